import { and, asc, eq, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { approvalRequests } from "@/db/schema/approvals";
import { systemContext } from "../context";
import { acquireLease, releaseLease } from "../jobs/lease";
import { expireLocked } from "./decide";

const BATCH = 200;

/**
 * Pending requests past their 7 days become `expired` (kept, audited as `system:scheduler`,
 * `approval.expired`). Each under its row lock, skipping rows a decision holds; the expiry is
 * checked again under the lock.
 */
export async function expireApprovalRequests(
  db: Db,
  options: { now?: Date } = {},
): Promise<{ expired: number; ids: string[] }> {
  const now = options.now ?? new Date();
  const ctx = { ...systemContext(db, "system:scheduler"), now: () => now };
  const due = await db
    .select({ id: approvalRequests.id })
    .from(approvalRequests)
    .where(and(eq(approvalRequests.status, "pending"), lte(approvalRequests.expiresAt, now)))
    .orderBy(asc(approvalRequests.expiresAt))
    .limit(BATCH);
  const ids: string[] = [];
  for (const { id } of due) {
    const done = await db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(approvalRequests)
        .where(eq(approvalRequests.id, id))
        .for("update", { skipLocked: true });
      if (row?.status !== "pending" || row.expiresAt > now) return false;
      await expireLocked(tx, { ...ctx, db: tx }, row, now);
      return true;
    });
    if (done) ids.push(id);
  }
  return { expired: ids.length, ids };
}

export const APPROVAL_EXPIRY_JOB = "approval-expiry";
const LEASE_TTL_MS = 2 * 60_000;

/** The scheduled run: one instance at a time, by lease. */
export async function runApprovalExpiryJob(db: Db, holder: string) {
  const lease = await acquireLease(db, APPROVAL_EXPIRY_JOB, holder, LEASE_TTL_MS);
  if (!lease) return null;
  try {
    const result = await expireApprovalRequests(db);
    await releaseLease(db, lease, { result: { expired: result.expired } });
    return result;
  } catch (err) {
    await releaseLease(db, lease, { error: (err as Error).message }).catch(() => {});
    throw err;
  }
}
