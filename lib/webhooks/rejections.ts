import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Db } from "@/db/client";
import { appendAudit } from "../audit/append";
import type { ServiceContext } from "../context";
import { requestLogger } from "../log";
import type { DeliveryMeta, WebhookProvider } from "./types";
import { systemActorId } from "./types";

/** Audit entries for refused deliveries, per client address and provider, per window. */
export const REJECTIONS_AUDITED_PER_ADDRESS = 10;
/** …and per provider across all addresses, so rotating addresses cannot fill the table either. */
export const REJECTIONS_AUDITED_PER_PROVIDER = 100;
export const REJECTION_WINDOW_SECONDS = 10 * 60;
const LOG_LINES_PER_ADDRESS = 5;
const LOG_LINES_PER_PROVIDER = 60;
const LOG_WINDOW_SECONDS = 60;

// In memory, per process: a flood of refused requests must cost no database writes beyond the
// budget (a database-backed counter would itself write on every refused request).
const limiters = {
  auditAddress: new RateLimiterMemory({
    keyPrefix: "wh_rej_addr",
    points: REJECTIONS_AUDITED_PER_ADDRESS,
    duration: REJECTION_WINDOW_SECONDS,
  }),
  auditProvider: new RateLimiterMemory({
    keyPrefix: "wh_rej_prov",
    points: REJECTIONS_AUDITED_PER_PROVIDER,
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

/** True when both budgets allow one more (consumes a point from each). */
async function within(address: RateLimiterMemory, provider: RateLimiterMemory, ip: string, name: string) {
  try {
    await address.consume(`${name}:${ip}`);
    await provider.consume(name);
    return true;
  } catch {
    return false;
  }
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
  if (!(await within(limiters.auditAddress, limiters.auditProvider, ip, provider))) return false;
  const ctx: ServiceContext = {
    db,
    actor: { type: "system", id: systemActorId(provider) },
    via: "webhook",
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    now,
  };
  await db.transaction(async (tx) => {
    await appendAudit(tx, ctx, {
      action: "webhook.rejected",
      entityType: "webhook_endpoint",
      entityId: provider,
      before: null,
      after: { provider, reason },
      reason,
    });
  });
  return true;
}

/** Test seam: forget the budgets (each test starts with a full one). */
export function resetRejectionBudgets(): void {
  for (const key of Object.keys(limiters) as (keyof typeof limiters)[]) {
    const l = limiters[key];
    limiters[key] = new RateLimiterMemory({ keyPrefix: l.keyPrefix, points: l.points, duration: l.duration });
  }
  suppressedLines = 0;
}
