import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type JobLease, jobLeases } from "@/db/schema";

export interface Lease {
  name: string;
  holder: string;
  /** Increases on every acquisition: a holder that lost its lease cannot record a run. */
  token: number;
  until: Date;
}

/**
 * Takes the job's lease when nobody holds an unexpired one (or we already do). One UPDATE on
 * the job's row decides it, so two instances racing get one winner on PostgreSQL and on
 * PGlite alike; a holder that died (kill -9) stops blocking others when its lease expires.
 */
export async function acquireLease(
  db: Db,
  name: string,
  holder: string,
  ttlMs: number,
  now: Date = new Date(),
): Promise<Lease | null> {
  await db.insert(jobLeases).values({ name }).onConflictDoNothing({ target: jobLeases.name });
  const until = new Date(now.getTime() + ttlMs);
  const [row] = await db
    .update(jobLeases)
    .set({
      holder,
      leaseUntil: until,
      fencingToken: sql`${jobLeases.fencingToken} + 1`,
      lastStartedAt: now,
    })
    .where(
      and(
        eq(jobLeases.name, name),
        or(isNull(jobLeases.leaseUntil), lt(jobLeases.leaseUntil, now), eq(jobLeases.holder, holder)),
      ),
    )
    .returning();
  return row ? { name, holder, token: row.fencingToken, until } : null;
}

/**
 * Extends a lease still held (same holder and token): a long run keeps it while it works, and
 * learns when it was taken over (false) so that it stops instead of racing the new holder.
 * `report`, when given, is written on the row in the same UPDATE (a loop's progress, for every
 * instance's pages to read).
 */
export async function renewLease(
  db: Db,
  lease: Lease,
  ttlMs: number,
  now: Date = new Date(),
  report?: { result: Record<string, unknown>; error: string | null },
): Promise<boolean> {
  const until = new Date(now.getTime() + ttlMs);
  const rows = await db
    .update(jobLeases)
    .set(
      report
        ? { leaseUntil: until, lastFinishedAt: now, lastResult: report.result, lastError: report.error }
        : { leaseUntil: until },
    )
    .where(
      and(
        eq(jobLeases.name, lease.name),
        eq(jobLeases.holder, lease.holder),
        eq(jobLeases.fencingToken, lease.token),
        gt(jobLeases.leaseUntil, now),
      ),
    )
    .returning({ name: jobLeases.name });
  if (rows.length > 0) lease.until = until;
  return rows.length > 0;
}

/** Records the run and lets the lease go, unless another instance has taken it over meanwhile. */
export async function releaseLease(
  db: Db,
  lease: Lease,
  outcome: { result?: Record<string, unknown> | null; error?: string | null },
  now: Date = new Date(),
): Promise<boolean> {
  const rows = await db
    .update(jobLeases)
    .set({
      leaseUntil: null,
      lastFinishedAt: now,
      lastResult: outcome.result ?? null,
      lastError: outcome.error ?? null,
    })
    .where(
      and(
        eq(jobLeases.name, lease.name),
        eq(jobLeases.holder, lease.holder),
        eq(jobLeases.fencingToken, lease.token),
      ),
    )
    .returning({ name: jobLeases.name });
  return rows.length > 0;
}

export async function jobStatus(db: Db, name: string): Promise<JobLease | null> {
  const [row] = await db.select().from(jobLeases).where(eq(jobLeases.name, name));
  return row ?? null;
}
