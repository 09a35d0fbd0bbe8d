import Stripe from "stripe";
import { ServiceError } from "@/lib/errors";
import { callProvider } from "../breaker";
import { ProviderCallError } from "../call-error";
import { toStripeAmount } from "./amount";
import { stripeClient } from "./client";

/**
 * Every call Paydesk makes to Stripe's API. Calls go through the Stripe circuit breaker; the
 * SDK itself retries lost connections, 409, 429 and 5xx with the same idempotency key. Answers
 * are Stripe's raw JSON objects: callers parse them with their own schemas. Failures are
 * ProviderCallErrors: `unknown` (may have happened: retry with the same key), `not_sent`,
 * `refused` (Stripe's message), `not_found`.
 */

export type StripeObject = Record<string, unknown>;

export interface StripeIntentState {
  intent: StripeObject;
  refunds: StripeObject[];
  disputes: StripeObject[];
}

export interface CreateStripeRefundInput {
  paymentIntentId: string;
  /** Paydesk minor units (ISO 4217) of `currency`; converted to Stripe's units here. */
  amountMinor: bigint;
  currency: string;
  /** Same key for a retry of the same Paydesk refund: Stripe then answers with the first refund. */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface CaptureStripeIntentInput {
  intentId: string;
  /** Capture less than authorised; all of `amount_capturable` when absent. */
  amountMinor?: bigint;
  currency: string;
  idempotencyKey: string;
}

export interface CancelStripeIntentInput {
  intentId: string;
  idempotencyKey: string;
}

/** Stripe ids (`pi_…`, `re_…`); anything else never reaches a URL. */
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;
const PAGE = 100;

function requireId(id: string, what: string): string {
  if (!STRIPE_ID.test(id)) {
    throw new ProviderCallError("stripe", "not_found", `"${id.slice(0, 80)}" is not a Stripe ${what} id`);
  }
  return id;
}

function client(): Stripe {
  try {
    return stripeClient();
  } catch (err) {
    if (err instanceof ServiceError) throw new ProviderCallError("stripe", "not_sent", err.message);
    throw err;
  }
}

function stripeAmount(minor: bigint, currency: string): number {
  try {
    return toStripeAmount(minor, currency);
  } catch (err) {
    if (err instanceof RangeError) {
      throw ServiceError.field("amount", `Stripe takes only whole amounts of ${currency}`);
    }
    throw err;
  }
}

/** An SDK error as what is known about the call (`action` reads "refund pi_123", "GET pi_123"). */
export function stripeCallError(err: unknown, action: string): unknown {
  if (err instanceof ProviderCallError) return err;
  if (err instanceof Stripe.errors.StripeError) {
    const status = typeof err.statusCode === "number" ? err.statusCode : null;
    if (err instanceof Stripe.errors.StripeConnectionError || status === null) {
      return new ProviderCallError(
        "stripe",
        "unknown",
        `Stripe did not answer (${action}: ${err.message}); it may have been carried out. Check or retry with the same idempotency key.`,
        status,
      );
    }
    if (status === 429 || err instanceof Stripe.errors.StripeRateLimitError) {
      return new ProviderCallError(
        "stripe",
        "not_sent",
        `Stripe is rate limiting Paydesk (${action}: ${err.message}); nothing was done. Try again shortly.`,
        status,
      );
    }
    if (status >= 500 || err instanceof Stripe.errors.StripeAPIError) {
      return new ProviderCallError(
        "stripe",
        "unknown",
        `Stripe answered with a server error (${action}: HTTP ${status} ${err.message}); it may have been carried out. Check or retry with the same idempotency key.`,
        status,
      );
    }
    if (status === 404 && err.code === "resource_missing") {
      return new ProviderCallError(
        "stripe",
        "not_found",
        `Stripe has no such object (${action}): ${err.message}`,
        404,
      );
    }
    return new ProviderCallError("stripe", "refused", `Stripe refused ${action}: ${err.message}`, status);
  }
  return err;
}

/** One request to Stripe through the breaker, its errors mapped. */
function call<T>(action: string, request: (stripe: Stripe) => Promise<T>): Promise<StripeObject> {
  const stripe = client();
  return callProvider("stripe", async () => {
    try {
      return (await request(stripe)) as unknown as StripeObject;
    } catch (err) {
      throw stripeCallError(err, action);
    }
  });
}

async function listAll(
  action: string,
  page: (stripe: Stripe, startingAfter: string | undefined) => Promise<unknown>,
): Promise<StripeObject[]> {
  const all: StripeObject[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const list = await call(action, (stripe) => page(stripe, startingAfter));
    const data = Array.isArray(list.data) ? (list.data as StripeObject[]) : [];
    all.push(...data);
    const last = data.at(-1);
    if (list.has_more !== true || typeof last?.id !== "string") return all;
    startingAfter = last.id;
  }
}

/** The PaymentIntent as Stripe has it now, with every refund and dispute on it. */
export async function fetchStripeIntentState(intentId: string): Promise<StripeIntentState> {
  const id = requireId(intentId, "PaymentIntent");
  const intent = await call(`GET payment intent ${id}`, (stripe) => stripe.paymentIntents.retrieve(id));
  const refunds = await listAll(`list refunds of ${id}`, (stripe, startingAfter) =>
    stripe.refunds.list({
      payment_intent: id,
      limit: PAGE,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    }),
  );
  const disputes = await listAll(`list disputes of ${id}`, (stripe, startingAfter) =>
    stripe.disputes.list({
      payment_intent: id,
      limit: PAGE,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    }),
  );
  return { intent, refunds, disputes };
}

export async function fetchStripeRefund(refundId: string): Promise<StripeObject> {
  const id = requireId(refundId, "refund");
  return call(`GET refund ${id}`, (stripe) => stripe.refunds.retrieve(id));
}

/**
 * Asks Stripe to refund (part of) a PaymentIntent; the same key returns the first refund.
 * Returns the refund object whatever its status (`pending`, `succeeded`, `failed`, …).
 */
export async function createStripeRefund(input: CreateStripeRefundInput): Promise<StripeObject> {
  const amount = stripeAmount(input.amountMinor, input.currency);
  const id = requireId(input.paymentIntentId, "PaymentIntent");
  return call(`the refund of ${id}`, (stripe) =>
    stripe.refunds.create(
      { payment_intent: id, amount, metadata: input.metadata },
      { idempotencyKey: input.idempotencyKey },
    ),
  );
}

export async function captureStripeIntent(input: CaptureStripeIntentInput): Promise<StripeObject> {
  const amount =
    input.amountMinor === undefined ? undefined : stripeAmount(input.amountMinor, input.currency);
  const id = requireId(input.intentId, "PaymentIntent");
  return call(`the capture of ${id}`, (stripe) =>
    stripe.paymentIntents.capture(id, amount === undefined ? {} : { amount_to_capture: amount }, {
      idempotencyKey: input.idempotencyKey,
    }),
  );
}

export async function cancelStripeIntent(input: CancelStripeIntentInput): Promise<StripeObject> {
  const id = requireId(input.intentId, "PaymentIntent");
  return call(`the cancellation of ${id}`, (stripe) =>
    stripe.paymentIntents.cancel(id, {}, { idempotencyKey: input.idempotencyKey }),
  );
}
