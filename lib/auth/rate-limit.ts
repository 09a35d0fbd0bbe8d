import { and, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { claimWrite, WRITE_BUDGET_WINDOW_SECONDS, WRITE_KINDS } from "./write-budget";

/** Failed sign-ins tolerated per email (with or without an account) before a lock-out. */
export const MAX_CONSECUTIVE_FAILURES = 5;
export const LOCKOUT_SECONDS = 15 * 60;
/** Failures of one email are counted within this window, whether or not it has an account. */
export const FAILURE_WINDOW_SECONDS = 15 * 60;
/** Failed sign-ins tolerated per client address within the window, across all emails. */
export const MAX_FAILURES_PER_ADDRESS = 30;
export const ADDRESS_WINDOW_SECONDS = 15 * 60;
/**
 * New counters (`rate_limits` rows) that sign-in may create per write-budget window. Beyond
 * it, a new address or email is counted on its kind's one shared overflow counter, so a
 * sender rotating addresses and emails cannot grow the table: the overflow fails closed.
 */
export const NEW_RATE_LIMIT_KEYS_PER_WINDOW = 2_000;
/** Expired counters deleted by each charge: cleanup keeps pace with creation, bounded per call. */
export const EXPIRED_KEYS_DELETED_PER_CALL = 20;

export const ADDRESS_PREFIX = "signin_addr";
export const EMAIL_PREFIX = "signin_email";

export interface WindowCount {
  /** Charges in the current window, this one included. */
  points: number;
  expiresAt: Date;
  /** The counter charged: the subject's own, or its kind's overflow counter. */
  key: string;
}

type Runner = Db | Tx;

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

function keyOf(prefix: string, id: string): string {
  return `${prefix}:${id}`;
}

/** `#` never follows a prefix in a per-subject key, so no address or email can name it. */
export function overflowKey(prefix: string): string {
  return `${prefix}#overflow`;
}

/** Increments a live counter, or starts a new window on an expired one. Null: no such key. */
async function bump(db: Runner, key: string, windowSeconds: number, now: Date): Promise<WindowCount | null> {
  const fresh = new Date(now.getTime() + windowSeconds * 1000);
  const [row] = await db
    .update(rateLimits)
    .set({
      points: sql`case when ${rateLimits.expire} > ${iso(now)} then ${rateLimits.points} + 1 else 1 end`,
      expire: sql`case when ${rateLimits.expire} > ${iso(now)} then ${rateLimits.expire} else ${iso(fresh)} end`,
    })
    .where(eq(rateLimits.key, key))
    .returning({ points: rateLimits.points, expire: rateLimits.expire });
  return row ? { points: row.points, expiresAt: row.expire ?? fresh, key } : null;
}

async function insertOrBump(db: Db, key: string, windowSeconds: number, now: Date): Promise<WindowCount> {
  const fresh = new Date(now.getTime() + windowSeconds * 1000);
  const [row] = await db
    .insert(rateLimits)
    .values({ key, points: 1, expire: fresh })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        points: sql`case when ${rateLimits.expire} > ${iso(now)} then ${rateLimits.points} + 1 else 1 end`,
        expire: sql`case when ${rateLimits.expire} > ${iso(now)} then ${rateLimits.expire} else ${iso(fresh)} end`,
      },
    })
    .returning({ points: rateLimits.points, expire: rateLimits.expire });
  return { points: row!.points, expiresAt: row!.expire ?? fresh, key };
}

/** Deletes a few expired counters (any prefix): expired rows refuse nothing, so they go. */
export async function deleteExpiredKeys(
  db: Db,
  now: Date,
  limit = EXPIRED_KEYS_DELETED_PER_CALL,
): Promise<void> {
  const expired = db
    .select({ key: rateLimits.key })
    .from(rateLimits)
    .where(lt(rateLimits.expire, now))
    .limit(limit);
  // The expiry is checked again on the row itself: a counter restarted meanwhile stays.
  await db.delete(rateLimits).where(and(inArray(rateLimits.key, expired), lt(rateLimits.expire, now)));
}

/**
 * Charges one attempt to `prefix:id` before the attempt is evaluated, in one atomic
 * statement: parallel attempts each see their own count, so none slips past a budget.
 * A key that does not exist yet needs room in the new-key budget; without it the attempt
 * is charged to an overflow counter: `overflow` when given (a key from a bounded set), else
 * the prefix's one shared overflow counter.
 */
export async function charge(
  db: Db,
  prefix: string,
  id: string,
  windowSeconds: number,
  now: Date,
  overflow: string = overflowKey(prefix),
): Promise<WindowCount> {
  await deleteExpiredKeys(db, now);
  const key = keyOf(prefix, id);
  const existing = await bump(db, key, windowSeconds, now);
  if (existing) return existing;
  const room = await claimWrite(
    db,
    WRITE_KINDS.rateLimitKeys,
    now,
    NEW_RATE_LIMIT_KEYS_PER_WINDOW,
    WRITE_BUDGET_WINDOW_SECONDS,
  );
  return insertOrBump(db, room.allowed ? key : overflow, windowSeconds, now);
}

/** Gives back one charge (an attempt that turned out fine must not spend the address's budget). */
export async function refund(db: Runner, charged: WindowCount, now: Date): Promise<void> {
  await db
    .update(rateLimits)
    .set({ points: sql`greatest(${rateLimits.points} - 1, 0)` })
    .where(and(eq(rateLimits.key, charged.key), gt(rateLimits.expire, now)));
}

/** Keeps the charged counter counting (and so refusing) until `until`. */
export async function holdUntil(db: Runner, charged: WindowCount, until: Date): Promise<void> {
  await db.update(rateLimits).set({ expire: until }).where(eq(rateLimits.key, charged.key));
}

/** Forgets `prefix:id`'s count (a success ends a run of failures). */
export async function forget(db: Runner, prefix: string, id: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, keyOf(prefix, id)));
}

/**
 * One attempt against an account's (or unknown email's) lock-out, charged before the
 * password is checked. `lockedBefore`: the email was already locked when this attempt came.
 *
 * When no new counters may be created, the email is counted per `scope` instead (the client
 * address's counter, itself bounded): one shared counter for every email would let a flood
 * of junk emails lock everyone out, and counting nothing would lift the lock-out.
 */
export async function chargeEmailAttempt(
  db: Db,
  email: string,
  now: Date,
  scope: string,
): Promise<WindowCount & { lockedBefore: boolean }> {
  const overflow = `${overflowKey(EMAIL_PREFIX)}:${scope}`;
  const count = await charge(db, EMAIL_PREFIX, email, FAILURE_WINDOW_SECONDS, now, overflow);
  return { ...count, lockedBefore: count.points > MAX_CONSECUTIVE_FAILURES };
}

/** The lock an email's fifth failure starts: its counter is kept (refusing) until then. */
export async function lockEmail(db: Runner, charged: WindowCount, now: Date): Promise<Date> {
  const until = new Date(now.getTime() + LOCKOUT_SECONDS * 1000);
  await holdUntil(db, charged, until);
  return until;
}

/** Lifts an email's lock-out and forgets its failures (success, admin enable or password reset). */
export async function clearEmailFailures(db: Runner, email: string): Promise<void> {
  await forget(db, EMAIL_PREFIX, email.trim().toLowerCase());
}
