/**
 * Stripe payments of a test's own, made the way production makes them: a customer created by
 * the demo admin (the new-payment form's server action), then Stripe's signed webhook naming
 * that customer, and the same PaymentIntent held by the e2e Stripe stand-in so that Sync and
 * refunds through Stripe find it.
 */
import { type APIRequestContext, expect, request as playwrightRequest } from "@playwright/test";
import { paymentIntentEvent, stripeId } from "../../support/stripe-events";
import { uniqueEmail } from "./data";
import { E2E_BASE_URL } from "./env";
import { storageStateOf } from "./roles";
import { callServerAction, serverActionId } from "./server-actions";
import { stripeControl } from "./stripe-control";
import { type Delivered, deliverStripeEvent } from "./stripe-webhooks";

const PAYMENT_ACTIONS = "app/(admin)/payments/actions.ts";

export interface TestCustomer {
  customerId: string;
  email: string;
  name: string;
}

async function asAdmin<T>(fn: (api: APIRequestContext) => Promise<T>): Promise<T> {
  const api = await playwrightRequest.newContext({
    baseURL: E2E_BASE_URL,
    storageState: storageStateOf("admin"),
  });
  try {
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

/** A customer of this test's own, with no payments, created by the demo admin. */
export async function createCustomer(prefix: string): Promise<TestCustomer> {
  return asAdmin(async (api) => {
    const email = uniqueEmail(prefix);
    const name = `Test ${prefix} ${email.split("@")[0]!.slice(-6)}`;
    const customer = await callServerAction(api, {
      page: "/payments/new",
      actionId: serverActionId(PAYMENT_ACTIONS, "createCustomerAction"),
      args: [{ email, name }],
    });
    expect(customer.result, customer.body).toMatchObject({ ok: true, data: { email } });
    return { customerId: (customer.result as { data: { id: string } }).data.id, email, name };
  });
}

/** The payment a stored webhook event recorded or changed (the link on /webhooks/<eventId>). */
export async function paymentIdOfEvent(eventId: string): Promise<string> {
  return asAdmin(async (api) => {
    const response = await api.get(`/webhooks/${eventId}`);
    const html = await response.text();
    expect(response.status(), html.slice(0, 500)).toBe(200);
    const found = /href="\/payments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"/.exec(
      html,
    );
    if (!found?.[1]) throw new Error(`/webhooks/${eventId} links to no payment`);
    return found[1];
  });
}

export interface StripePayment {
  intentId: string;
  paymentId: string;
  /** The delivery that recorded it. */
  delivered: Delivered;
}

/**
 * A Stripe payment of the Premium plan for `customer`, recorded from a signed
 * `payment_intent.processing` or `.succeeded` event (599.00 RUB unless told). With
 * `atStripe`, the stand-in holds the same intent in the same state (Sync then agrees with it).
 */
export async function recordStripePayment(
  request: APIRequestContext,
  customer: TestCustomer,
  options: {
    type: "payment_intent.processing" | "payment_intent.succeeded";
    amount?: number;
    currency?: string;
    atStripe?: boolean;
  },
): Promise<StripePayment> {
  const intentId = stripeId("pi");
  const amount = options.amount ?? 59_900;
  const currency = options.currency ?? "rub";
  const succeeded = options.type === "payment_intent.succeeded";
  if (options.atStripe) {
    await stripeControl.putIntent({
      id: intentId,
      status: succeeded ? "succeeded" : "processing",
      amount,
      amount_received: succeeded ? amount : 0,
      currency,
      metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
    });
  }
  const delivered = await deliverStripeEvent(
    request,
    paymentIntentEvent({
      type: options.type,
      intentId,
      amount,
      currency,
      customer: customer.email,
      plan: "premium",
      description: "Premium, monthly",
    }),
  );
  expect(delivered, `${options.type} for ${customer.email}`).toMatchObject({
    received: true,
    duplicate: false,
    outcome: "processed",
  });
  return { intentId, paymentId: await paymentIdOfEvent(delivered.eventId), delivered };
}
