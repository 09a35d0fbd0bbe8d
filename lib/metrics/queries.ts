import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  auditLog,
  domainEvents,
  jobLeases,
  payments,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEvents,
} from "@/db/schema";

/**
 * The scrape's questions to the database: each one statement, a GROUP BY or a count over a
 * partial index, run on every scrape of every instance. `db now()` is used for ages so that
 * the app server's clock does not matter.
 */

/** Payments by provider, status and currency: counts and amounts (one pass over `payments`). */
export function paymentTotals(db: Db) {
  return db
    .select({
      provider: payments.provider,
      status: payments.status,
      currency: payments.currency,
      count: sql<number>`count(*)::int`,
      // Text: a sum of bigints is numeric, which the drivers return as a string anyway.
      amountMinor: sql<string>`coalesce(sum(${payments.amountMinor}), 0)::text`,
    })
    .from(payments)
    .groupBy(payments.provider, payments.status, payments.currency);
}

/** Stored provider webhook events by provider and outcome (null while being applied). */
export function webhookEventTotals(db: Db) {
  return db
    .select({
      provider: webhookEvents.provider,
      outcome: webhookEvents.outcome,
      count: sql<number>`count(*)::int`,
    })
    .from(webhookEvents)
    .groupBy(webhookEvents.provider, webhookEvents.outcome);
}

/** Unpublished domain events and the age of the oldest (both read from the outbox's partial index). */
export async function outboxState(db: Db): Promise<{ backlog: number; oldestAgeSeconds: number }> {
  const [row] = await db
    .select({
      backlog: sql<number>`count(*)::int`,
      oldestAgeSeconds: sql<number>`coalesce(extract(epoch from now() - min(${domainEvents.occurredAt})), 0)::float8`,
    })
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt));
  return { backlog: row?.backlog ?? 0, oldestAgeSeconds: Math.max(row?.oldestAgeSeconds ?? 0, 0) };
}

/** Outbound webhook deliveries by status (pending, succeeded, failed). */
export function outboundDeliveryTotals(db: Db) {
  return db
    .select({ status: webhookDeliveries.status, count: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .groupBy(webhookDeliveries.status);
}

/**
 * Outbound attempts that got no 2xx (another status, a timeout, a refused connection), ever.
 * A count over the attempt log without an index on the status: linear in the log's size, which
 * stays modest (a handful of attempts per delivery).
 */
export async function outboundFailedAttempts(db: Db): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(webhookDeliveryAttempts)
    .where(
      or(
        isNull(webhookDeliveryAttempts.statusCode),
        sql`${webhookDeliveryAttempts.statusCode} not between 200 and 299`,
      ),
    );
  return row?.count ?? 0;
}

/** Every scheduled job's row (a few rows): last start, finish, result and error. */
export function jobRuns(db: Db) {
  return db
    .select({
      name: jobLeases.name,
      lastStartedAt: jobLeases.lastStartedAt,
      lastFinishedAt: jobLeases.lastFinishedAt,
      lastResult: jobLeases.lastResult,
      lastError: jobLeases.lastError,
    })
    .from(jobLeases);
}

export const SIGN_IN_FAILURE_WINDOW_SECONDS = 3600;

/**
 * Failed staff sign-ins audited in the last hour, by every instance: a range of the
 * `audit_log_action_idx` index (action, occurred_at), so its cost follows the hour's failures,
 * not the size of the log.
 */
export async function recentSignInFailures(db: Db): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.action, "staff.sign_in_failed"),
        gt(auditLog.occurredAt, sql`now() - make_interval(secs => ${SIGN_IN_FAILURE_WINDOW_SECONDS})`),
      ),
    );
  return row?.count ?? 0;
}
