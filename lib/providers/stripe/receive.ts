import Stripe from "stripe";
import type { Db } from "@/db/client";
import { requestMetaFrom } from "@/lib/auth/request";
import { problem } from "@/lib/http/problem";
import { requestLogger } from "@/lib/log";
import { readBodyBytes } from "@/lib/webhooks/body";
import { WebhookUnavailableError } from "@/lib/webhooks/errors";
import { ingestWebhook } from "@/lib/webhooks/ingest";
import { logRejection, recordRejectedDelivery } from "@/lib/webhooks/rejections";
import type { DeliveryMeta, VerifiedDelivery } from "@/lib/webhooks/types";
import { shapeProblem, stripeEventEnvelope, stripeSubjectId } from "./event";

/** Stripe's events are tens of kilobytes at most; anything far larger is not one. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type StripeVerification = { ok: true; delivery: VerifiedDelivery } | { ok: false; reason: string };

/**
 * Checks a delivery exactly as received: the `Stripe-Signature` HMAC over the raw bytes with
 * the endpoint's secret and Stripe's default 300 s tolerance, then that the body is a Stripe
 * event. `receivedAtMs` is for tests (the clock the tolerance is measured against).
 */
export function verifyStripeDelivery(
  body: Buffer,
  signature: string | null,
  secret: string,
  receivedAtMs?: number,
): StripeVerification {
  if (!signature) return { ok: false, reason: "Missing Stripe-Signature header" };
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(body, signature, secret, undefined, undefined, receivedAtMs);
  } catch (err) {
    return { ok: false, reason: verificationFailure(err) };
  }
  const parsed = stripeEventEnvelope.safeParse(event);
  if (!parsed.success) return { ok: false, reason: `Not a Stripe event (${shapeProblem(parsed.error)})` };
  const envelope = parsed.data;
  return {
    ok: true,
    delivery: {
      provider: "stripe",
      eventId: envelope.id,
      type: envelope.type,
      payload: event,
      verification: "stripe-signature",
      subjectId: stripeSubjectId(envelope),
    },
  };
}

/** Stripe's messages run to paragraphs of advice; the sender gets one short line. */
function verificationFailure(err: unknown): string {
  if (err instanceof SyntaxError) return "Signed body is not JSON";
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith("Timestamp outside the tolerance zone")) return "Signature timestamp is too old";
  if (message.startsWith("No signatures found matching")) return "Signature does not match the body";
  if (
    message.startsWith("Unable to extract timestamp") ||
    // The SDK's own complaint about an empty `v1=` value.
    message.includes("secureCompare") ||
    message.startsWith("No signatures found with expected scheme")
  ) {
    return "Malformed Stripe-Signature header";
  }
  if (message.startsWith("No webhook payload")) return "Empty body";
  if (message.startsWith("No stripe-signature header")) return "Missing Stripe-Signature header";
  if (message.includes("thin event")) return "Not a snapshot event (thin events are not accepted)";
  return "Signature verification failed";
}

export interface ReceiveDeps {
  database: () => Promise<Db>;
  /** The audit record of a refused delivery (rate-limited); defaults to recordRejectedDelivery. */
  recordRejection?: (db: Db, meta: DeliveryMeta, reason: string) => Promise<void>;
  /** The clock (ms), for the signature's tolerance in tests. */
  now?: () => number;
}

/**
 * `POST /api/webhooks/stripe`. Answers 200 `{ received, duplicate, outcome, eventId }` for a
 * verified event (stored and applied once; a duplicate does nothing more); 400 problem+json
 * with a short reason for anything unverified or not an event (stored nowhere: a rate-limited
 * log line and audit entry only); 413 for an oversized body; 503 (Stripe retries) when the
 * database or the endpoint's configuration is not available.
 */
export async function receiveStripeWebhook(req: Request, deps: ReceiveDeps): Promise<Response> {
  const meta = requestMetaFrom(req.headers);
  const secret = process.env.STRIPE_WEBHOOK_SECRET?.trim();
  if (!secret) {
    await logRejection("stripe", meta, "STRIPE_WEBHOOK_SECRET is not set: cannot verify deliveries");
    return unavailable("Stripe webhooks are not configured on this server");
  }

  const body = await readBodyBytes(req, MAX_BODY_BYTES);
  if (!body.ok) {
    if (body.problem === "too_large") {
      await logRejection("stripe", meta, "body too large");
      return problem(413, "Payload too large", `An event is at most ${MAX_BODY_BYTES} bytes`);
    }
    return problem(400, "Bad request", "The body could not be read");
  }

  const verified = verifyStripeDelivery(
    body.bytes,
    req.headers.get("stripe-signature"),
    secret,
    deps.now?.(),
  );
  if (!verified.ok) {
    await rejected(deps, meta, verified.reason);
    return problem(400, "Bad request", verified.reason);
  }

  let db: Db;
  try {
    db = await deps.database();
  } catch (err) {
    requestLogger(meta.requestId, { provider: "stripe" }).error({ err }, "webhook: database unavailable");
    return unavailable("The database is unavailable");
  }
  const { eventId } = verified.delivery;
  try {
    const result = await ingestWebhook(db, verified.delivery, meta);
    if (result.outcome === "failed") {
      // Stored as failed with its error, replayable from the event log; a redelivery retries it.
      requestLogger(meta.requestId, { provider: "stripe" }).warn(
        { eventId, reason: result.reason ?? null },
        "webhook event failed",
      );
    }
    return Response.json(
      { received: true, duplicate: result.duplicate, outcome: result.outcome, eventId: result.eventRowId },
      { headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    const log = requestLogger(meta.requestId, { provider: "stripe" });
    if (!(err instanceof WebhookUnavailableError)) {
      // Not the sender's doing (it is verified): Stripe retries a 503, and the log has the cause.
      log.error({ err, eventId }, "webhook: unexpected error");
    } else {
      log.error({ err, eventId }, "webhook: event could not be stored");
    }
    return unavailable("The event could not be stored; it will be accepted on a later delivery");
  }
}

async function rejected(deps: ReceiveDeps, meta: DeliveryMeta, reason: string): Promise<void> {
  try {
    const db = await deps.database();
    if (deps.recordRejection) await deps.recordRejection(db, meta, reason);
    else await recordRejectedDelivery(db, "stripe", meta, reason);
  } catch (err) {
    // Refusing does not depend on the database; only its record does.
    await logRejection("stripe", meta, `${reason} (not audited: ${(err as Error).message})`);
  }
}

function unavailable(detail: string): Response {
  const response = problem(503, "Service unavailable", detail);
  response.headers.set("retry-after", "60");
  return response;
}
