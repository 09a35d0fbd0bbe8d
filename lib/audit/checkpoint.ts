import { randomUUID } from "node:crypto";
import canonicalize from "canonicalize";
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { auditCheckpoints } from "@/db/schema";
import {
  type CheckpointKey,
  checkpointSigningKey,
  checkpointVerifyKeys,
  hmacHex,
  sameHex,
} from "./checkpoint-key";

/**
 * Signed checkpoints of every audit chain's head (docs/audit-log.md). The hash chains alone
 * cannot show that a chain's newest entry was deleted, or that a whole chain was rewritten and
 * re-hashed by someone with owner rights; a checkpoint pins each head (position and hash) under
 * an HMAC whose key is not in the database, and `audit verify` checks the chains still reach it.
 */

type AuditCheckpoint = typeof auditCheckpoints.$inferSelect;

export interface ChainHead {
  chainKey: string;
  seq: number;
  hash: string;
}

interface SignedBody {
  id: string;
  createdAt: Date;
  coveredUntil: Date;
  chainCount: number;
  heads: unknown;
  keyId: string;
}

/** HMAC-SHA256 over the RFC 8785 canonical JSON of everything the row stores but the signature. */
export function signCheckpoint(key: Buffer, body: SignedBody): string {
  const content = canonicalize({
    id: body.id,
    createdAt: body.createdAt.toISOString(),
    coveredUntil: body.coveredUntil.toISOString(),
    chainCount: body.chainCount,
    heads: body.heads,
    keyId: body.keyId,
  });
  if (content === undefined) throw new Error("checkpoint is not serialisable");
  return hmacHex(key, content);
}

/**
 * Each chain's newest entry, in one pass over the (chain_key, chain_seq) unique index. Ordered
 * byte-wise ("C"), so the same heads always serialise the same way whatever the collation.
 */
export async function chainHeads(db: Queryable): Promise<{ heads: ChainHead[]; coveredUntil: Date | null }> {
  const rows = await queryRows<{
    chain_key: string;
    chain_seq: number;
    hash: string;
    occurred_at: string | Date;
  }>(
    db,
    sql`select distinct on (chain_key collate "C") chain_key, chain_seq, hash, occurred_at
        from audit_log order by chain_key collate "C", chain_seq desc`,
  );
  let coveredUntil: Date | null = null;
  const heads = rows.map((r) => {
    const at = new Date(r.occurred_at);
    if (!coveredUntil || at > coveredUntil) coveredUntil = at;
    return { chainKey: r.chain_key, seq: Number(r.chain_seq), hash: r.hash };
  });
  return { heads, coveredUntil };
}

export interface WriteCheckpointResult {
  /** False when no chain moved since the last checkpoint (or there is no entry yet): nothing written. */
  written: boolean;
  checkpoint: AuditCheckpoint | null;
}

export class CheckpointKeyMissingError extends Error {
  constructor() {
    super(
      "no key to sign audit checkpoints: set AUDIT_CHECKPOINT_KEY (or AUTH_SECRET, which it is derived from)",
    );
  }
}

/**
 * Writes a checkpoint of every chain head, unless nothing changed since the last one (same
 * heads under the same key). Serialised by a transaction-scoped advisory lock, so instances
 * running it at once write one checkpoint, not two.
 */
export async function writeCheckpoint(
  db: Queryable,
  options: { now?: Date; key?: CheckpointKey | null } = {},
): Promise<WriteCheckpointResult> {
  const key = options.key === undefined ? checkpointSigningKey() : options.key;
  if (!key) throw new CheckpointKeyMissingError();
  const now = options.now ?? new Date();
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('paydesk:audit_checkpoint', 0))`);
    const { heads, coveredUntil } = await chainHeads(tx);
    if (heads.length === 0 || !coveredUntil) return { written: false, checkpoint: null };
    const [last] = await tx
      .select()
      .from(auditCheckpoints)
      .orderBy(desc(auditCheckpoints.createdAt), desc(auditCheckpoints.id))
      .limit(1);
    if (last && last.keyId === key.id && canonicalize(last.heads) === canonicalize(heads)) {
      return { written: false, checkpoint: null };
    }
    const body: SignedBody = {
      id: randomUUID(),
      createdAt: now,
      coveredUntil,
      chainCount: heads.length,
      heads,
      keyId: key.id,
    };
    const [row] = await tx
      .insert(auditCheckpoints)
      .values({ ...body, signature: signCheckpoint(key.key, body) })
      .returning();
    return { written: true, checkpoint: row ?? null };
  });
}

export interface CheckpointProblem {
  checkpointId: string;
  createdAt: Date;
  chainKey: string | null;
  chainSeq: number | null;
  problem: string;
}

export interface CheckpointVerifyResult {
  checked: number;
  latest: { id: string; createdAt: Date; chainCount: number } | null;
  /** Every bad signature, then the chains that no longer reach a signed head (at most 20). */
  problems: CheckpointProblem[];
}

const PAGE = 50;
const MAX_HEAD_PROBLEMS = 20;

/**
 * Checks every checkpoint's signature (one row at a time, so memory stays flat), then for every
 * chain the highest position any checkpoint pinned: the entry must still be there with that
 * hash. One probe of the chain's unique index per chain, however many checkpoints there are:
 * the chain walk (verify.ts) already proves the links below that position.
 */
export async function verifyCheckpoints(db: Queryable): Promise<CheckpointVerifyResult> {
  const keys = checkpointVerifyKeys();
  const problems: CheckpointProblem[] = [];
  let checked = 0;
  let latest: CheckpointVerifyResult["latest"] = null;
  let cursor: { createdAt: Date; id: string } | null = null;

  for (;;) {
    const c: { createdAt: Date; id: string } | null = cursor;
    const rows: AuditCheckpoint[] = await db
      .select()
      .from(auditCheckpoints)
      .where(
        c
          ? or(
              lt(auditCheckpoints.createdAt, c.createdAt),
              and(eq(auditCheckpoints.createdAt, c.createdAt), lt(auditCheckpoints.id, c.id)),
            )
          : undefined,
      )
      .orderBy(desc(auditCheckpoints.createdAt), desc(auditCheckpoints.id))
      .limit(PAGE);
    for (const row of rows) {
      checked++;
      latest ??= { id: row.id, createdAt: row.createdAt, chainCount: row.chainCount };
      const key = keys.get(row.keyId);
      const problem = !key
        ? `signed with key ${row.keyId}, which is not configured (AUDIT_CHECKPOINT_KEY / AUDIT_CHECKPOINT_PREVIOUS_KEYS): cannot be trusted`
        : !sameHex(signCheckpoint(key, row), row.signature)
          ? "its signature does not match its content (forged or altered checkpoint)"
          : null;
      if (problem) {
        problems.push({
          checkpointId: row.id,
          createdAt: row.createdAt,
          chainKey: null,
          chainSeq: null,
          problem,
        });
      }
      cursor = { createdAt: row.createdAt, id: row.id };
    }
    if (rows.length < PAGE) break;
  }
  if (checked === 0) return { checked, latest, problems };

  const missing = await queryRows<{
    id: string;
    created_at: string | Date;
    chain_key: string;
    seq: number;
    hash: string;
    actual: string | null;
  }>(
    db,
    sql`with pinned as (
          select distinct on (h."chainKey") c.id, c.created_at, h."chainKey" as chain_key, h.seq, h.hash
          from audit_checkpoints c
          cross join lateral jsonb_to_recordset(c.heads) as h("chainKey" text, seq int, hash text)
          order by h."chainKey", h.seq desc, c.created_at desc
        )
        select p.id, p.created_at, p.chain_key, p.seq, p.hash, a.hash as actual
        from pinned p
        left join audit_log a on a.chain_key = p.chain_key and a.chain_seq = p.seq
        where a.hash is distinct from p.hash
        order by p.created_at desc, p.chain_key
        limit ${MAX_HEAD_PROBLEMS}`,
  );
  for (const m of missing) {
    const at = new Date(m.created_at);
    problems.push({
      checkpointId: m.id,
      createdAt: at,
      chainKey: m.chain_key,
      chainSeq: Number(m.seq),
      problem:
        m.actual === null
          ? `entry ${m.seq} of ${m.chain_key} is gone: the checkpoint of ${at.toISOString()} signed it as the chain's head (deleted since)`
          : `entry ${m.seq} of ${m.chain_key} no longer has the hash the checkpoint of ${at.toISOString()} signed (chain rewritten)`,
    });
  }
  return { checked, latest, problems };
}
