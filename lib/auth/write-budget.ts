import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { writeBudgets } from "@/db/schema";
import { type AuditEntryInput, type AuditWriter, appendAudit } from "../audit/append";
import { componentLogger } from "../log";

/**
 * Bounded writes for what unauthenticated senders can cause: a refused sign-in or a refused
 * webhook delivery writes an audit entry only while its kind's budget for the current window
 * lasts. The counters live in `write_budgets` (one row per kind, reused window after window),
 * so every instance shares them and the counters themselves never grow the database.
 */

/** Audit entries one kind of unauthenticated refusal may write per window. */
export const AUDIT_WRITES_PER_WINDOW = 1_000;
export const WRITE_BUDGET_WINDOW_SECONDS = 10 * 60;

export const WRITE_KINDS = {
  signInFailed: "audit:sign_in_failed",
  webhookRejected: "audit:webhook_rejected",
  /** New keys in `rate_limits` (one per client address or email that fails a sign-in). */
  rateLimitKeys: "rate_limits:new_keys",
} as const;

export interface WriteClaim {
  /** This write is within the window's budget. */
  allowed: boolean;
  /** This claim is the first one refused in its window: time to say that writes are being dropped. */
  firstRefused: boolean;
  /** The window that just ended, when it had refused writes (for its summary entry). */
  endedWindow: { windowStart: Date; count: number; suppressed: number } | null;
  windowStart: Date;
  cap: number;
}

/** The start of the fixed window `now` falls in (aligned, so every instance agrees). */
export function windowStartOf(now: Date, windowSeconds = WRITE_BUDGET_WINDOW_SECONDS): Date {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}

/**
 * Claims one write of `kind`: increments the window's counter (or `suppressed` beyond the
 * cap) in one short transaction on the kind's row. Runs on the pool, not inside the caller's
 * transaction, so a refused write is still counted when the caller writes nothing.
 */
export async function claimWrite(
  db: Db,
  kind: string,
  now: Date,
  cap: number = AUDIT_WRITES_PER_WINDOW,
  windowSeconds: number = WRITE_BUDGET_WINDOW_SECONDS,
): Promise<WriteClaim> {
  const windowStart = windowStartOf(now, windowSeconds);
  return db.transaction(async (tx) => {
    await tx
      .insert(writeBudgets)
      .values({ key: kind, windowStart, count: 0, suppressed: 0 })
      .onConflictDoNothing();
    const [row] = await tx.select().from(writeBudgets).where(eq(writeBudgets.key, kind)).for("update");
    if (!row) throw new Error(`write budget ${kind} vanished`);
    const rolled = row.windowStart.getTime() < windowStart.getTime();
    const count = (rolled ? 0 : row.count) + 1;
    const allowed = count <= cap;
    const suppressed = (rolled ? 0 : row.suppressed) + (allowed ? 0 : 1);
    await tx
      .update(writeBudgets)
      .set({ windowStart: rolled ? windowStart : row.windowStart, count, suppressed })
      .where(eq(writeBudgets.key, kind));
    return {
      allowed,
      firstRefused: count === cap + 1,
      endedWindow:
        rolled && row.suppressed > 0
          ? { windowStart: row.windowStart, count: row.count, suppressed: row.suppressed }
          : null,
      windowStart: rolled ? windowStart : row.windowStart,
      cap,
    };
  });
}

const SUMMARY_ACTION = "audit.writes_suppressed";

/**
 * Writes `entries` (refusals by an unauthenticated sender) when `kind`'s budget allows, plus
 * at most two summary entries per window: when the cap is first hit, and when a window with
 * dropped entries has ended (how many were dropped). Beyond the cap only the counter moves
 * and one log line per dropped write says so. Returns whether the entries were written.
 */
export async function appendBudgetedAudit(
  db: Db,
  ctx: AuditWriter,
  kind: string,
  entries: AuditEntryInput[],
  now: Date,
  cap: number = AUDIT_WRITES_PER_WINDOW,
): Promise<boolean> {
  const claim = await claimWrite(db, kind, now, cap);
  const summaries: AuditEntryInput[] = [];
  if (claim.endedWindow) {
    summaries.push({
      action: SUMMARY_ACTION,
      entityType: "write_budget",
      entityId: kind,
      after: {
        kind,
        windowStart: claim.endedWindow.windowStart.toISOString(),
        windowSeconds: WRITE_BUDGET_WINDOW_SECONDS,
        cap,
        written: Math.min(claim.endedWindow.count, cap),
        suppressed: claim.endedWindow.suppressed,
      },
    });
  }
  if (claim.firstRefused) {
    summaries.push({
      action: SUMMARY_ACTION,
      entityType: "write_budget",
      entityId: kind,
      after: {
        kind,
        windowStart: claim.windowStart.toISOString(),
        windowSeconds: WRITE_BUDGET_WINDOW_SECONDS,
        cap,
        capReached: true,
      },
    });
  }
  if (!claim.allowed) {
    componentLogger("write-budget").warn(
      { kind, cap, windowStart: claim.windowStart.toISOString() },
      "audit entry suppressed: write budget spent",
    );
  }
  const toWrite = [...(claim.allowed ? entries : []), ...summaries];
  if (toWrite.length === 0) return false;
  await db.transaction(async (tx) => {
    for (const entry of toWrite) await appendAudit(tx, ctx, entry);
  });
  return claim.allowed;
}

/** For tests and metrics: the kind's current counters. */
export async function writeBudgetOf(db: Db, kind: string) {
  const [row] = await db.select().from(writeBudgets).where(sql`${writeBudgets.key} = ${kind}`);
  return row ?? null;
}
