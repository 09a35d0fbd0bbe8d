/**
 * Specs' handle on the e2e server's Stripe (the stand-in of tests/support/stripe-api.ts that
 * serve.ts starts): what Stripe holds, and how it answers the next refund. Plain fetch, so it
 * works from any spec, fixture or hook. The control server is ./stripe-control-server.ts.
 */
import { E2E_PORT } from "./env";

/** The control server of the e2e Stripe stand-in listens on the e2e port + 1. */
export const E2E_CONTROL_PORT = E2E_PORT + 1;
export const E2E_CONTROL_URL = `http://127.0.0.1:${E2E_CONTROL_PORT}`;
/** The e2e server's Stripe secret key (the stand-in accepts any `sk_…`; a test value only). */
export const E2E_STRIPE_SECRET_KEY = "sk_test_e2e";

export type Json = Record<string, unknown>;

/** A Stripe PaymentIntent as the stand-in holds it. */
export interface StripeIntent extends Json {
  id: string;
  status: string;
  amount: number;
  amount_received: number;
  currency: string;
  latest_charge: string | null;
  metadata: Record<string, string>;
}

/** A Stripe refund as the stand-in holds it. */
export interface StripeRefund extends Json {
  id: string;
  object: "refund";
  status: string;
  amount: number;
  currency: string;
  payment_intent: string;
  metadata: Record<string, string>;
}

async function call<T>(method: "GET" | "POST", path: string, body?: Json): Promise<T> {
  const response = await fetch(`${E2E_CONTROL_URL}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Stripe stand-in control ${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export const stripeControl = {
  /**
   * Stores a PaymentIntent at "Stripe" (merged into one of that id already stored). Unset
   * fields get the stand-in's defaults: succeeded, 599.00 RUB, all of it received.
   */
  putIntent(intent: Json & { id: string; status: string }): Promise<StripeIntent> {
    return call("POST", "/control/intent", intent);
  },

  /**
   * How Stripe answers the next new refund request: with a refund in this status, or
   * `hang_after_accept` (it makes a succeeded refund and its answer is lost, retries included).
   * Queued: each call decides one refund, in order; unset, refunds succeed.
   */
  nextRefund(status: "pending" | "succeeded" | "failed" | "requires_action" | "hang_after_accept") {
    return call<{ queued: string[] }>("POST", "/control/next-refund", { status });
  },

  /** Stripe moves a refund later (as a `refund.updated` would report). */
  setRefundStatus(id: string, status: string, failureReason?: string): Promise<StripeRefund> {
    return call("POST", "/control/refund-status", {
      id,
      status,
      ...(failureReason ? { failure_reason: failureReason } : {}),
    });
  },

  /** Stores a dispute of an intent at Stripe (what Sync would list). */
  putDispute(dispute: Json & { payment_intent: string }): Promise<Json> {
    return call("POST", "/control/dispute", dispute);
  },

  /** The refunds Stripe made (of one intent, or all), oldest first. */
  async refunds(paymentIntent?: string): Promise<StripeRefund[]> {
    const query = paymentIntent ? `?payment_intent=${encodeURIComponent(paymentIntent)}` : "";
    return (await call<{ refunds: StripeRefund[] }>("GET", `/control/refunds${query}`)).refunds;
  },

  /** How many requests Stripe received for a method and path ("POST", "/v1/refunds"). */
  async requestCount(method: string, path: string): Promise<number> {
    const query = new URLSearchParams({ method, path });
    return (await call<{ count: number }>("GET", `/control/requests?${query}`)).count;
  },
};
