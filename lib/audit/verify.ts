import { asc, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type AuditRow, auditLog } from "@/db/schema";
import { type CheckpointVerifyResult, verifyCheckpoints } from "./checkpoint";
import { hashEntry } from "./hash";

export interface BrokenLink {
  id: string;
  chainKey: string;
  chainSeq: number;
  occurredAt: Date;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  chains: number;
  /** The earliest broken entry, by time, across all chains. */
  firstBroken: BrokenLink | null;
  /**
   * The signed checkpoints (checkpoint.ts): a bad signature, or a chain that no longer reaches
   * a head a checkpoint signed (its newest entry deleted, or the chain rewritten), fails `ok`.
   */
  checkpoints: CheckpointVerifyResult;
}

const BATCH = 5000;

/**
 * Recomputes every hash and checks every link, reading in keyset batches so memory stays flat;
 * then checks the chains against the signed checkpoints, which catch what links cannot: a
 * deleted newest entry, a chain rewritten and re-hashed.
 */
export async function verifyAuditChain(db: Queryable): Promise<VerifyResult> {
  let checked = 0;
  let chains = 0;
  let firstBroken: BrokenLink | null = null;
  let prev: Pick<AuditRow, "chainKey" | "chainSeq" | "hash"> | null = null;
  let chainBroken = false;

  const consider = (row: AuditRow, problem: string) => {
    chainBroken = true;
    if (!firstBroken || row.occurredAt < firstBroken.occurredAt) {
      firstBroken = {
        id: row.id,
        chainKey: row.chainKey,
        chainSeq: row.chainSeq,
        occurredAt: row.occurredAt,
        problem,
      };
    }
  };

  for (;;) {
    const cursor: Pick<AuditRow, "chainKey" | "chainSeq"> | null = prev;
    const rows: AuditRow[] = await db
      .select()
      .from(auditLog)
      // Row comparison, so the (chain_key, chain_seq) unique index serves the keyset.
      .where(
        cursor
          ? sql`(${auditLog.chainKey}, ${auditLog.chainSeq}) > (${cursor.chainKey}, ${cursor.chainSeq})`
          : undefined,
      )
      .orderBy(asc(auditLog.chainKey), asc(auditLog.chainSeq))
      .limit(BATCH);
    if (rows.length === 0) break;

    for (const row of rows) {
      checked++;
      const continues: boolean = prev !== null && prev.chainKey === row.chainKey;
      if (!continues) {
        chains++;
        chainBroken = false;
      }
      // After the first break in a chain every later link also fails; report only the first.
      if (!chainBroken) {
        const expectedSeq: number = continues ? prev!.chainSeq + 1 : 1;
        const expectedPrev: string | null = continues ? prev!.hash : null;
        if (row.chainSeq !== expectedSeq) {
          consider(row, `entry ${expectedSeq} of ${row.chainKey} is missing`);
        } else if (row.prevHash !== expectedPrev) {
          consider(row, "its link to the previous entry does not match");
        } else if (hashEntry(row) !== row.hash) {
          consider(row, "its content does not match its hash (altered)");
        }
      }
      prev = { chainKey: row.chainKey, chainSeq: row.chainSeq, hash: row.hash };
    }
    if (rows.length < BATCH) break;
  }
  const checkpoints = await verifyCheckpoints(db);
  return {
    ok: firstBroken === null && checkpoints.problems.length === 0,
    checked,
    chains,
    firstBroken,
    checkpoints,
  };
}
