import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Db } from "@/db/client";
import { appendBudgetedAudit, WRITE_BUDGET_WINDOW_SECONDS, WRITE_KINDS } from "../auth/write-budget";
import type { ServiceContext } from "../context";
import { requestLogger } from "../log";
import type { DeliveryMeta, WebhookProvider } from "./types";
import { systemActorId } from "./types";

/**
 * Audit entries for refused deliveries, per client address and provider, per window: a
 * fairness filter kept in memory (it only ever lets fewer through).
 */
export const REJECTIONS_AUDITED_PER_ADDRESS = 10;
/**
 * …and per provider across all addresses and instances, counted in the database
 * (`write_budgets`), so rotating addresses or adding instances cannot fill the table either.
 */
export const REJECTIONS_AUDITED_PER_PROVIDER = 100;
export const REJECTION_WINDOW_SECONDS = WRITE_BUDGET_WINDOW_SECONDS;
const LOG_LINES_PER_ADDRESS = 5;
const LOG_LINES_PER_PROVIDER = 60;
const LOG_WINDOW_SECONDS = 60;

/** The write budget of one provider's refused deliveries. */
export function rejectionBudgetKind(provider: WebhookProvider): string {
  return `${WRITE_KINDS.webhookRejected}:${provider}`;
}

// Log lines are budgeted in memory, per process (they grow no table).
const limiters = {
  auditAddress: new RateLimiterMemory({
    keyPrefix: "wh_rej_addr",
    points: REJECTIONS_AUDITED_PER_ADDRESS,
    duration: REJECTION_WINDOW_SECONDS,
  }),
  logAddress: new RateLimiterMemory({
    keyPrefix: "wh_log_addr",
    points: LOG_LINES_PER_ADDRESS,
    duration: LOG_WINDOW_SECONDS,
  }),
  logProvider: new RateLimiterMemory({
    keyPrefix: "wh_log_prov",
    points: LOG_LINES_PER_PROVIDER,
    duration: LOG_WINDOW_SECONDS,
  }),
};

let suppressedLines = 0;

/** True when the budget allows one more (consumes a point). */
async function allows(limiter: RateLimiterMemory, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch {
    return false;
  }
}

/** True when both budgets allow one more (consumes a point from each). */
async function within(address: RateLimiterMemory, provider: RateLimiterMemory, ip: string, name: string) {
  return (await allows(address, `${name}:${ip}`)) && (await allows(provider, name));
}

/** A log line, unless this address (or the provider's endpoint) has had its share this minute. */
export async function logRejection(
  provider: WebhookProvider,
  meta: DeliveryMeta,
  reason: string,
): Promise<void> {
  const ip = meta.ip ?? "unknown";
  if (!(await within(limiters.logAddress, limiters.logProvider, ip, provider))) {
    suppressedLines++;
    return;
  }
  // Lines refused by the budget since the last one written (by any address, for any provider).
  const suppressed = suppressedLines;
  suppressedLines = 0;
  requestLogger(meta.requestId, { provider }).warn({ ip, reason, suppressed }, "webhook rejected");
}

/**
 * Records a refused delivery: a rate-limited log line and, within its budget, an audit entry
 * (`webhook.rejected` on `webhook_endpoint:<provider>`, actor `system:<provider>`). Nothing
 * of the delivery itself is stored. Returns whether an audit entry was written.
 */
export async function recordRejectedDelivery(
  db: Db,
  provider: WebhookProvider,
  meta: DeliveryMeta,
  reason: string,
  now: () => Date = () => new Date(),
): Promise<boolean> {
  await logRejection(provider, meta, reason);
  const ip = meta.ip ?? "unknown";
  if (!(await allows(limiters.auditAddress, `${provider}:${ip}`))) return false;
  const ctx: ServiceContext = {
    db,
    actor: { type: "system", id: systemActorId(provider) },
    via: "webhook",
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    now,
  };
  // The provider's shared budget, in the database: beyond it the entry is dropped and
  // counted, and one summary entry says how many were.
  return appendBudgetedAudit(
    db,
    ctx,
    rejectionBudgetKind(provider),
    [
      {
        action: "webhook.rejected",
        entityType: "webhook_endpoint",
        entityId: provider,
        before: null,
        after: { provider, reason },
        reason,
      },
    ],
    now(),
    REJECTIONS_AUDITED_PER_PROVIDER,
  );
}

/** Test seam: forget the in-memory budgets (each test starts with a full one; the database's are per database). */
export function resetRejectionBudgets(): void {
  for (const key of Object.keys(limiters) as (keyof typeof limiters)[]) {
    const l = limiters[key];
    limiters[key] = new RateLimiterMemory({ keyPrefix: l.keyPrefix, points: l.points, duration: l.duration });
  }
  suppressedLines = 0;
}
