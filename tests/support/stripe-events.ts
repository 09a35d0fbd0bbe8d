/**
 * Realistic Stripe events for tests, e2e specs and benchmarks: Stripe's own example objects
 * (tests/fixtures/stripe, a copy of ../shared/fixtures/stripe, from Stripe's OpenAPI fixtures) with ids, amounts, metadata and
 * timestamps set per event, signed the way Stripe signs a delivery.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Stripe from "stripe";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/stripe");

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as Record<string, unknown>;
}

let templates: {
  event: Record<string, unknown>;
  intent: Record<string, unknown>;
  charge: Record<string, unknown>;
} | null = null;
function loadTemplates() {
  templates ??= { event: fixture("event"), intent: fixture("payment_intent"), charge: fixture("charge") };
  return templates;
}

/** `payment_intent.*` events; Paydesk reads each one's object for the intent's status. */
export type IntentEventType =
  | "payment_intent.created"
  | "payment_intent.requires_action"
  | "payment_intent.processing"
  | "payment_intent.amount_capturable_updated"
  | "payment_intent.succeeded"
  | "payment_intent.payment_failed"
  | "payment_intent.canceled";

/** Stripe's PaymentIntent status after each event. */
const INTENT_STATUS: Record<IntentEventType, string> = {
  "payment_intent.created": "requires_payment_method",
  "payment_intent.requires_action": "requires_action",
  "payment_intent.processing": "processing",
  "payment_intent.amount_capturable_updated": "requires_capture",
  "payment_intent.succeeded": "succeeded",
  "payment_intent.payment_failed": "requires_payment_method",
  "payment_intent.canceled": "canceled",
};

/** A Stripe-shaped id: `prefix_` and 24 base62-ish characters. */
export function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x").slice(0, 24)}`;
}

export interface IntentEventOptions {
  type: IntentEventType;
  /** The PaymentIntent (`pi_…`); one per payment. */
  intentId: string;
  /** The event (`evt_…`); a new one unless given (a redelivery repeats it). */
  eventId?: string;
  /** In the currency's Stripe minor units (59900 for 599.00 RUB). */
  amount: number;
  /** Lower case, as Stripe sends it. */
  currency: string;
  /** `metadata.paydesk_customer`: a customer id or email. */
  customer?: string;
  /** `metadata.paydesk_plan`: a plan code. */
  plan?: string;
  description?: string;
  /** Unix seconds. */
  created?: number;
}

/** A `payment_intent.*` event as Stripe delivers it (API v1 snapshot event). */
export function paymentIntentEvent(options: IntentEventOptions): Record<string, unknown> {
  const { event, intent } = loadTemplates();
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const status = INTENT_STATUS[options.type];
  const metadata: Record<string, string> = {};
  if (options.customer !== undefined) metadata.paydesk_customer = options.customer;
  if (options.plan !== undefined) metadata.paydesk_plan = options.plan;
  const object = {
    ...structuredClone(intent),
    id: options.intentId,
    amount: options.amount,
    amount_received: status === "succeeded" ? options.amount : 0,
    amount_capturable: status === "requires_capture" ? options.amount : 0,
    capture_method: status === "requires_capture" ? "manual" : "automatic",
    currency: options.currency,
    created,
    canceled_at: status === "canceled" ? created : null,
    cancellation_reason: status === "canceled" ? "abandoned" : null,
    client_secret: `${options.intentId}_secret_${randomBytes(12).toString("hex")}`,
    description: options.description ?? null,
    last_payment_error:
      options.type === "payment_intent.payment_failed"
        ? { type: "card_error", code: "card_declined", message: "Your card was declined." }
        : null,
    latest_charge: status === "succeeded" ? stripeId("ch") : null,
    metadata,
    status,
  };
  return envelope(event, options.type, object, created, options.eventId);
}

function envelope(
  template: Record<string, unknown>,
  type: string,
  object: Record<string, unknown>,
  created: number,
  eventId?: string,
): Record<string, unknown> {
  return {
    ...structuredClone(template),
    id: eventId ?? stripeId("evt"),
    api_version: "2025-10-29.clover",
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId("req"), idempotency_key: null },
    type,
  };
}

export interface ChargeEventOptions {
  type: "charge.succeeded" | "charge.failed";
  intentId: string;
  eventId?: string;
  amount: number;
  currency: string;
  created?: number;
}

/** A `charge.succeeded` / `charge.failed` event (stored and ignored by Paydesk: the intent's events decide). */
export function chargeEvent(options: ChargeEventOptions): Record<string, unknown> {
  const { event, charge } = loadTemplates();
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const succeeded = options.type === "charge.succeeded";
  const object = {
    ...structuredClone(charge),
    id: stripeId("ch"),
    amount: options.amount,
    amount_captured: succeeded ? options.amount : 0,
    amount_refunded: 0,
    captured: succeeded,
    created,
    currency: options.currency,
    failure_code: succeeded ? null : "card_declined",
    failure_message: succeeded ? null : "Your card was declined.",
    paid: succeeded,
    payment_intent: options.intentId,
    refunded: false,
    status: succeeded ? "succeeded" : "failed",
  };
  return envelope(event, options.type, object, created, options.eventId);
}

/** The exact body and `Stripe-Signature` header of a delivery (Stripe's SDK signs it). */
export function signStripeDelivery(
  event: Record<string, unknown>,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): { body: string; signature: string } {
  const body = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
  return { body, signature };
}
