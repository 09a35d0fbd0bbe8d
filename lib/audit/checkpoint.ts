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
 * Signed checkpoints of the audit chains' heads (docs/audit-log.md). The hash chains alone
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

/**
 * What `heads` holds (and so what the signature covers). A full checkpoint pins every chain; a
 * delta pins only the chains that moved since the previous checkpoint and names the full one
 * it builds on. Checkpoints written before deltas existed store a bare array: a full one.
 */
export type CheckpointHeads =
  | { full: true; heads: ChainHead[] }
  | { full: false; fullAt: string; heads: ChainHead[] }
  | ChainHead[];

/** The heads a checkpoint pins, whichever format it was written in. */
export function checkpointHeads(stored: unknown): ChainHead[] {
  if (Array.isArray(stored)) return stored as ChainHead[];
  return ((stored as { heads?: ChainHead[] } | null)?.heads ?? []) as ChainHead[];
}

/** The same, in SQL, for `audit_checkpoints c`: the jsonb array of heads. */
const STORED_HEADS = sql.raw(
  `case when jsonb_typeof(c.heads) = 'array' then c.heads
     when jsonb_typeof(c.heads->'heads') = 'array' then c.heads->'heads' else '[]'::jsonb end`,
);

/**
 * How far back a delta looks before the previous checkpoint's `covered_until`. An entry's
 * `occurred_at` is stamped inside its transaction, which commits later: a transaction that
 * commits after a checkpoint ran can carry a time the checkpoint already covered. Looking back
 * this far catches any transaction shorter than that; the daily full checkpoint catches the rest.
 */
export const CHECKPOINT_OVERLAP_MS = 15 * 60_000;
/** A full checkpoint (every chain) is written when the last one is older than this. */
export const FULL_CHECKPOINT_EVERY_MS = 24 * 60 * 60_000;

interface PreviousCheckpoint {
  id: string;
  createdAt: Date;
  coveredUntil: Date;
  keyId: string;
  full: boolean;
  /** When the newest full checkpoint (this one, or the one this delta builds on) was written. */
  fullAt: Date;
}

async function previousCheckpoint(db: Queryable): Promise<PreviousCheckpoint | null> {
  const [row] = await queryRows<{
    id: string;
    created_at: string | Date;
    covered_until: string | Date;
    key_id: string;
    full: boolean;
    full_at: string | null;
  }>(
    db,
    sql`select id, created_at, covered_until, key_id,
          jsonb_typeof(heads) = 'array' or coalesce((heads->>'full')::boolean, false) as full,
          heads->>'fullAt' as full_at
        from audit_checkpoints order by created_at desc, id desc limit 1`,
  );
  if (!row) return null;
  const createdAt = new Date(row.created_at);
  return {
    id: row.id,
    createdAt,
    coveredUntil: new Date(row.covered_until),
    keyId: row.key_id,
    full: row.full,
    // A delta without a readable fullAt (altered) counts as long overdue: the next run is full.
    fullAt: row.full ? createdAt : row.full_at ? new Date(row.full_at) : new Date(0),
  };
}

/**
 * The heads of the chains with an entry since `since` (through the occurred_at index), with a
 * flag for those no checkpoint has signed yet. The window re-reads chains already signed (the
 * overlap): whichever checkpoint signed such a head saw that entry, so its `covered_until` is
 * at least `since`, and only those checkpoints are compared against (in the database; at most
 * one of them is a full one, right after it is written or while nothing moves).
 */
async function touchedHeads(
  db: Queryable,
  since: Date,
): Promise<{ changed: ChainHead[]; coveredUntil: Date | null }> {
  const rows = await queryRows<{
    chain_key: string;
    chain_seq: number;
    hash: string;
    last_at: string | Date;
    changed: boolean;
  }>(
    db,
    sql`with touched as (
          select chain_key, max(occurred_at) as last_at from audit_log
          where occurred_at > ${since.toISOString()}::timestamptz
          group by chain_key
        ),
        previous as (
          select h."chainKey" as chain_key, h.seq, h.hash
          from audit_checkpoints c
          cross join lateral jsonb_to_recordset(${STORED_HEADS})
            as h("chainKey" text, seq int, hash text)
          where c.covered_until >= ${since.toISOString()}::timestamptz
        )
        select t.chain_key, h.chain_seq, h.hash, t.last_at,
          not exists (
            select 1 from previous p
            where p.chain_key = t.chain_key and p.seq = h.chain_seq and p.hash = h.hash
          ) as changed
        from touched t
        cross join lateral (
          select a.chain_seq, a.hash from audit_log a
          where a.chain_key = t.chain_key order by a.chain_seq desc limit 1
        ) h
        order by t.chain_key collate "C"`,
  );
  let coveredUntil: Date | null = null;
  const changed: ChainHead[] = [];
  for (const r of rows) {
    const at = new Date(r.last_at);
    if (!coveredUntil || at > coveredUntil) coveredUntil = at;
    if (r.changed) changed.push({ chainKey: r.chain_key, seq: Number(r.chain_seq), hash: r.hash });
  }
  return { changed, coveredUntil };
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
 * Writes a checkpoint when some chain moved since the last one. Usually a delta: only the
 * chains with entries since the previous checkpoint (less CHECKPOINT_OVERLAP_MS), read through
 * the occurred_at index. A full one (every chain, one pass over the chain index) when there is
 * no checkpoint yet, when the signing key changed, or when the last full one is older than
 * FULL_CHECKPOINT_EVERY_MS and something changed since. Serialised by a transaction-scoped
 * advisory lock, so instances running it at once write one checkpoint, not two.
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
    const last = await previousCheckpoint(tx);

    let heads: ChainHead[];
    let coveredUntil: Date | null;
    let stored: CheckpointHeads;
    const delta = last?.keyId === key.id;
    const deltaHeads = delta
      ? await touchedHeads(tx, new Date(last.coveredUntil.getTime() - CHECKPOINT_OVERLAP_MS))
      : null;
    if (last && deltaHeads) {
      const fullDue = now.getTime() - last.fullAt.getTime() >= FULL_CHECKPOINT_EVERY_MS;
      // Nothing moved: nothing to write. Not even when a full one is due but the last checkpoint
      // is itself full: rescanning every chain each interval while nothing moves would cost what
      // deltas save; the full one comes with the first change (and catches late commits then).
      if (deltaHeads.changed.length === 0 && (!fullDue || last.full)) {
        return { written: false, checkpoint: null };
      }
      if (fullDue) {
        ({ heads, coveredUntil } = await chainHeads(tx));
        // Never backwards (an entry deleted since): deltas rely on covered_until only growing.
        if (coveredUntil && coveredUntil < last.coveredUntil) coveredUntil = last.coveredUntil;
        stored = { full: true, heads };
      } else {
        heads = deltaHeads.changed;
        const seen = deltaHeads.coveredUntil;
        coveredUntil = seen && seen > last.coveredUntil ? seen : last.coveredUntil;
        stored = { full: false, fullAt: last.fullAt.toISOString(), heads };
      }
    } else {
      // First checkpoint, or a new key: sign every head under it.
      ({ heads, coveredUntil } = await chainHeads(tx));
      stored = { full: true, heads };
    }
    if (heads.length === 0 || !coveredUntil) return { written: false, checkpoint: null };
    const body: SignedBody = {
      id: randomUUID(),
      createdAt: now,
      coveredUntil,
      chainCount: heads.length,
      heads: stored,
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
 * Checks every checkpoint's signature (a page at a time; with deltas a page holds at most about
 * one full checkpoint), then for every chain the highest position any checkpoint pinned, full
 * or delta: the entry must still be there with each hash signed for it. Aggregated in the
 * database, so only the problems reach this process; one probe of the chain's unique index per
 * chain, however many checkpoints there are: the chain walk (verify.ts) already proves the links
 * below that position.
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
    // Aggregated in the database (sorting spills to disk, not to this process): every head each
    // checkpoint pinned, full or delta, kept where it is the chain's highest pinned position.
    // Every distinct hash pinned there is checked, not only the newest checkpoint's: a chain
    // rewritten and then re-signed at the same position still fails against the older one.
    sql`with pinned as (
          select c.id, c.created_at, h."chainKey" as chain_key, h.seq, h.hash,
            max(h.seq) over (partition by h."chainKey") as top
          from audit_checkpoints c
          cross join lateral jsonb_to_recordset(${STORED_HEADS}) as h("chainKey" text, seq int, hash text)
        ),
        heads as (
          select distinct on (chain_key, hash) id, created_at, chain_key, seq, hash
          from pinned where seq = top
          order by chain_key, hash, created_at desc
        )
        select p.id, p.created_at, p.chain_key, p.seq, p.hash, a.hash as actual
        from heads p
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
