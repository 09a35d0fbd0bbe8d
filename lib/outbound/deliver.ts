import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  type DomainEvent,
  domainEvents,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
} from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { eventMessage } from "../events/envelope";
import { parseInput } from "../validation/parse";
import type { TargetOptions } from "./address";
import { disableLockedEndpoint } from "./endpoints";
import { nextAttemptAt } from "./schedule";
import { attemptTimeoutMs, type SendResult, sendWebhook } from "./send";
import { signedHeaders, signingSecrets } from "./signature";
import { type ResendDeliveryInput, resendDeliveryInput } from "./validation";

export interface DeliveryOptions extends TargetOptions {
  /** The clock (tests pass a fake one). */
  now?: () => Date;
  /** For the retry jitter, in [0, 1). */
  random?: () => number;
  timeoutMs?: number;
}

/** One delivery taken by this worker, with what it needs to send. */
export interface Claim {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
  event: DomainEvent;
}

/**
 * How long past its timeout a claimed delivery stays out of other workers' reach: room to
 * record the answer. A worker that dies mid-attempt hands the delivery over after this.
 */
export const CLAIM_MARGIN_MS = 30_000;

export const GONE_REASON = "The endpoint answered 410 Gone: it asked to receive no more webhooks";

/**
 * Takes up to `limit` due deliveries in one short transaction: SKIP LOCKED passes over rows
 * another worker is claiming, and moving next_attempt_at past the attempt's timeout keeps
 * them from being taken again while this worker's request is in flight (the HTTP call happens
 * after the commit, holding no lock).
 */
export async function claimDueDeliveries(db: Db, now: Date, limit: number, holdMs: number): Promise<Claim[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now)))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit)
      .for("update", { of: webhookDeliveries, skipLocked: true });
    if (due.length === 0) return [];
    // Disabling fails pending deliveries; any left over for a disabled endpoint end here.
    const orphaned = due.filter((d) => d.endpoint.status !== "enabled").map((d) => d.delivery.id);
    if (orphaned.length) {
      await tx
        .update(webhookDeliveries)
        .set({ status: "failed", nextAttemptAt: null, lastError: "endpoint disabled" })
        .where(inArray(webhookDeliveries.id, orphaned));
    }
    const live = due.filter((d) => d.endpoint.status === "enabled");
    if (live.length === 0) return [];
    await tx
      .update(webhookDeliveries)
      .set({ nextAttemptAt: new Date(now.getTime() + holdMs) })
      .where(
        inArray(
          webhookDeliveries.id,
          live.map((d) => d.delivery.id),
        ),
      );
    const events = await tx
      .select()
      .from(domainEvents)
      .where(
        inArray(
          domainEvents.id,
          live.map((d) => d.delivery.eventId),
        ),
      );
    const byId = new Map(events.map((e) => [e.id, e]));
    return live.map((d) => ({ ...d, event: byId.get(d.delivery.eventId)! }));
  });
}

/** Signs and sends one attempt of a delivery (the timestamp and the signatures are this attempt's). */
async function send(claim: Claim, options: DeliveryOptions, at: Date): Promise<SendResult> {
  const body = JSON.stringify(eventMessage(claim.event));
  const headers = signedHeaders(signingSecrets(claim.endpoint, at), claim.event.id, at, body);
  return sendWebhook({
    url: claim.endpoint.url,
    headers,
    body,
    timeoutMs: options.timeoutMs ?? attemptTimeoutMs(),
    allowPrivate: options.allowPrivate,
    resolve: options.resolve,
  });
}

/**
 * succeeded; pending (a retry is scheduled, or a manual attempt failed and the schedule goes on);
 * failed (the schedule is over); gone (a 410 disabled the endpoint).
 */
export type AttemptOutcome = "succeeded" | "pending" | "failed" | "gone";

interface RecordOptions {
  at: Date;
  now: () => Date;
  random: () => number;
  /** A person's resend: recorded as theirs and audited, and it does not move the schedule. */
  manual?: ServiceContext;
}

async function recordAttempt(
  db: Db,
  claim: Pick<Claim, "delivery" | "endpoint">,
  result: SendResult,
  options: RecordOptions,
): Promise<{ delivery: WebhookDelivery; outcome: AttemptOutcome }> {
  const { at, manual } = options;
  const gone = result.statusCode === 410;
  return db.transaction(async (tx) => {
    // The endpoint before the delivery: the order disabling takes them in, so the two never
    // deadlock.
    const [endpoint] = gone
      ? await tx
          .select()
          .from(webhookEndpoints)
          .where(eq(webhookEndpoints.id, claim.endpoint.id))
          .for("update")
      : [];
    const [before] = await tx
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, claim.delivery.id))
      .for("update");
    if (!before) throw new Error(`delivery ${claim.delivery.id} vanished`);
    const attempt = before.attempts + 1;
    await tx.insert(webhookDeliveryAttempts).values({
      deliveryId: before.id,
      attempt,
      at,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      responseExcerpt: result.responseExcerpt,
      manualByStaffId: manual?.actor.type === "staff" ? manual.actor.id : null,
    });
    const last = {
      attempts: attempt,
      lastAttemptAt: at,
      lastStatusCode: result.statusCode,
      lastLatencyMs: result.latencyMs,
      lastError: result.error,
    };

    let outcome: AttemptOutcome;
    let change: Partial<WebhookDelivery> = last;
    if (result.ok) {
      outcome = "succeeded";
      change = { ...last, status: "succeeded", nextAttemptAt: null, deliveredAt: before.deliveredAt ?? at };
    } else if (gone && endpoint?.status === "enabled") {
      outcome = "gone";
    } else if (manual || before.status !== "pending") {
      // A failed resend leaves the delivery where it was; so does an attempt whose delivery was
      // settled meanwhile (its endpoint disabled, or a resend that got through).
      outcome = before.status as AttemptOutcome;
    } else {
      const [scheduled] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(webhookDeliveryAttempts)
        .where(
          and(
            eq(webhookDeliveryAttempts.deliveryId, before.id),
            isNull(webhookDeliveryAttempts.manualByStaffId),
          ),
        );
      const next = nextAttemptAt(scheduled?.n ?? attempt, options.now(), options.random);
      outcome = next ? "pending" : "failed";
      change = { ...last, status: outcome, nextAttemptAt: next };
    }
    const [delivery] = await tx
      .update(webhookDeliveries)
      .set(change)
      .where(eq(webhookDeliveries.id, before.id))
      .returning();
    if (!delivery) throw new Error("delivery update lost");

    let settled = delivery;
    if (outcome === "gone" && endpoint) {
      // Audited as the system: the receiver decided this, not whoever caused the attempt.
      const system: ServiceContext = {
        db,
        actor: { type: "system", id: "system:outbound" },
        via: "system",
        requestId: randomUUID(),
        now: options.now,
      };
      await disableLockedEndpoint(tx, system, endpoint, GONE_REASON, options.now());
      const [after] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, before.id));
      settled = after ?? delivery;
    }
    if (manual) {
      await appendAudit(
        tx,
        manual,
        {
          action: "webhook_delivery.resend",
          entityType: "webhook_delivery",
          entityId: before.id,
          before: { status: before.status, attempts: before.attempts },
          after: {
            status: settled.status,
            attempts: settled.attempts,
            statusCode: result.statusCode,
            error: result.error,
          },
        },
        { entityLocked: true },
      );
    }
    return { delivery: settled, outcome };
  });
}

/** One scheduled attempt of a claimed delivery, recorded. */
export async function attemptDelivery(
  db: Db,
  claim: Claim,
  options: DeliveryOptions = {},
): Promise<AttemptOutcome> {
  const now = options.now ?? (() => new Date());
  const at = now();
  const result = await send(claim, options, at);
  const { outcome } = await recordAttempt(db, claim, result, {
    at,
    now,
    random: options.random ?? Math.random,
  });
  return outcome;
}

export interface ResendResult {
  delivery: WebhookDelivery;
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
}

/**
 * A person's attempt, now: recorded in the log as theirs and audited. Success settles the
 * delivery (even a failed one); a failure changes nothing else, the schedule goes on as it was.
 * The endpoint must be enabled. The request is sent before the transaction that records it,
 * so no lock is held while waiting for the receiver.
 */
export async function resendDelivery(
  ctx: ServiceContext,
  raw: ResendDeliveryInput,
  options: Omit<DeliveryOptions, "now"> = {},
): Promise<ResendResult> {
  assertCan(ctx, "endpoint.manage");
  const input = parseInput(resendDeliveryInput, raw);
  const [found] = await ctx.db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: domainEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(domainEvents, eq(domainEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, input.deliveryId.toLowerCase()));
  if (!found) throw ServiceError.notFound(`No webhook delivery with id ${input.deliveryId}`);
  if (found.endpoint.status !== "enabled") {
    throw new ServiceError("conflict", "This endpoint is disabled: enable it before resending");
  }
  const now = ctx.now ?? (() => new Date());
  const at = now();
  const result = await send(found, options, at);
  const { delivery, outcome } = await recordAttempt(ctx.db, found, result, {
    at,
    now,
    random: options.random ?? Math.random,
    manual: ctx,
  });
  return { delivery, outcome, statusCode: result.statusCode, error: result.error };
}
