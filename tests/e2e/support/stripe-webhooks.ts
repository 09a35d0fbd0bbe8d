/**
 * Stripe webhook deliveries for e2e specs: refund and dispute events (the payment intent events
 * are tests/support/stripe-events.ts), signed with the e2e server's secret and posted exactly as
 * Stripe posts them (raw body, `Stripe-Signature`), as in tests/e2e/webhooks.spec.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { type APIRequestContext, expect } from "@playwright/test";
import { signStripeDelivery, stripeId } from "../../support/stripe-events";
import { E2E_STRIPE_WEBHOOK_SECRET } from "./env";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/stripe");
type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as Json;
}

export interface Delivered {
  received: boolean;
  duplicate: boolean;
  outcome: string;
  /** The stored event's row id: its page is /webhooks/<eventId>. */
  eventId: string;
}

/** Delivers a signed Stripe event to the e2e server and returns its answer (always HTTP 200). */
export async function deliverStripeEvent(request: APIRequestContext, event: Json): Promise<Delivered> {
  const { body, signature } = signStripeDelivery(event, E2E_STRIPE_WEBHOOK_SECRET);
  const response = await request.post("/api/webhooks/stripe", {
    headers: { "content-type": "application/json", "stripe-signature": signature },
    data: body,
  });
  const text = await response.text();
  expect(response.status(), text).toBe(200);
  return JSON.parse(text) as Delivered;
}

/** Stripe's event envelope (tests/fixtures/stripe/event.json) around an object. */
export function stripeEvent(type: string, object: Json, created = Math.floor(Date.now() / 1000)): Json {
  return {
    ...fixture("event"),
    id: stripeId("evt"),
    api_version: "2025-10-29.clover",
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId("req"), idempotency_key: null },
    type,
  };
}

/** A `refund.*` event carrying the refund as Stripe holds it (e.g. from the stand-in), with changes. */
export function refundEvent(
  type: "refund.created" | "refund.updated" | "refund.failed",
  refund: Json & { id: string; payment_intent: string },
  changes: Json = {},
): Json {
  return stripeEvent(type, { ...fixture("refund"), ...refund, ...changes, object: "refund" });
}

export interface DisputeOptions {
  /** The dispute (`dp_…`): the same across its events. */
  id: string;
  paymentIntent: string;
  /** Stripe's minor units (59900 for 599.00 RUB). */
  amount: number;
  /** Lower case, as Stripe sends it. */
  currency: string;
  /** Stripe's dispute status: needs_response, under_review, won, lost, warning_needs_response… */
  status: string;
  reason?: string;
  /** Balance transactions so far: 1 once the funds were withdrawn, 2 once reinstated. */
  balanceTransactions?: number;
}

/** A `charge.dispute.*` event. */
export function disputeEvent(
  type:
    | "charge.dispute.created"
    | "charge.dispute.updated"
    | "charge.dispute.closed"
    | "charge.dispute.funds_withdrawn"
    | "charge.dispute.funds_reinstated",
  options: DisputeOptions,
  created?: number,
): Json {
  const movements = Array.from({ length: options.balanceTransactions ?? 0 }, () => ({
    id: stripeId("txn"),
    object: "balance_transaction",
  }));
  return stripeEvent(
    type,
    {
      ...fixture("dispute"),
      id: options.id,
      object: "dispute",
      amount: options.amount,
      currency: options.currency,
      status: options.status,
      reason: options.reason ?? "fraudulent",
      payment_intent: options.paymentIntent,
      charge: stripeId("ch"),
      balance_transactions: movements,
      is_charge_refundable: false,
    },
    created,
  );
}
