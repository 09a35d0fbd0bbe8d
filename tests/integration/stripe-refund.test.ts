import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { refundAction } from "@/app/(admin)/payments/actions";
import { POST } from "@/app/api/webhooks/stripe/route";
import type { Customer } from "@/db/schema";
import { type Payment, payments, refunds, subscriptionGrants } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { createPayment } from "@/lib/payments/create";
import { refundIdempotencyKey } from "@/lib/payments/provider-refund";
import { refundPayment } from "@/lib/payments/refund";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { actAs, resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { baseline } from "../support/fixtures";
import {
  chargeObject,
  paymentIntent,
  refundObject,
  type StripeStandIn,
  startStripeStandIn,
  stripeEvent,
  stripeId,
  WEBHOOK_SECRET,
  webhookRequest,
} from "../support/stripe";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

async function deliver(event: object) {
  const res = await POST(webhookRequest(event));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function refundError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isServiceError(err)) return err;
    throw err;
  }
  throw new Error("expected the refund to be refused");
}

describe("refunds of Stripe payments", () => {
  let t: TestDatabase;
  let stripe: StripeStandIn;
  let ctx: ServiceContext;
  let customer: Customer;

  beforeAll(async () => {
    stripe = await startStripeStandIn();
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
    vi.stubEnv("STRIPE_API_BASE", stripe.url);
    // Short, so that the "Stripe never answers" cases take a second, not half a minute.
    vi.stubEnv("STRIPE_TIMEOUT_MS", "300");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await stripe.close();
  });
  beforeEach(async () => {
    t = await freshDatabase();
    useActionDb(t.db);
    resetRejectionBudgets();
    const base = await baseline(t.db);
    ctx = base.ctx;
    customer = base.customer;
    actAs({ ...base.actor, mustChangePassword: false } as never);
    stripe.requests.length = 0;
    stripe.reply = (req) => stripe.refund(req);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    resetActionSession();
    await t.close();
  });

  /** A succeeded Stripe payment, recorded the way Stripe reports it: by webhook. */
  async function paidByStripe(amount = 59_900): Promise<Payment> {
    const intent = paymentIntent({
      id: stripeId("pi"),
      amount,
      metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
    });
    const answer = await deliver(stripeEvent("payment_intent.succeeded", intent));
    expect(answer.body).toMatchObject({ outcome: "processed" });
    const [payment] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, intent.id));
    return payment!;
  }

  async function reload(id: string) {
    const [p] = await t.db.select().from(payments).where(eq(payments.id, id));
    return p!;
  }

  async function grantRevoked(paymentId: string) {
    const [g] = await t.db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.paymentId, paymentId));
    return g?.revokedAt !== null;
  }

  it("started here: Stripe is asked first (keyed), then the refund is recorded with Stripe's id; its webhooks change nothing more", async () => {
    const payment = await paidByStripe();
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });

    expect(stripe.requests).toHaveLength(1);
    const [sent] = stripe.requests;
    expect(sent).toMatchObject({
      method: "POST",
      path: "/v1/refunds",
      authorization: "Bearer sk_test_paydesk_stand_in",
      idempotencyKey: refundIdempotencyKey(payment, 59_900n, false),
    });
    expect(sent?.form.get("payment_intent")).toBe(payment.providerPaymentId);
    expect(sent?.form.get("amount")).toBe("59900");
    expect(sent?.form.get("metadata[paydesk_payment]")).toBe(payment.id);

    expect(result.payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(result.refund).toMatchObject({
      provider: "stripe",
      providerRefundId: expect.stringMatching(/^re_/),
      actor: "admin@paydesk.test",
      reason: "Customer asked",
      amountMinor: 59_900n,
    });
    expect(await grantRevoked(payment.id)).toBe(true);

    const before = await snapshot(t.db);
    const refund = refundObject({
      id: result.refund.providerRefundId!,
      payment_intent: payment.providerPaymentId!,
      amount: 59_900,
      metadata: { paydesk_payment: payment.id, paydesk_revoke_access: "false" },
    });
    const created = await deliver(stripeEvent("refund.created", refund));
    const updated = await deliver(stripeEvent("refund.updated", refund));
    const charge = await deliver(
      stripeEvent(
        "charge.refunded",
        chargeObject({
          payment_intent: payment.providerPaymentId!,
          amount: 59_900,
          amount_refunded: 59_900,
          refunded: true,
        }),
      ),
    );
    for (const answer of [created, updated, charge])
      expect(answer.body).toMatchObject({ outcome: "ignored" });
    // Stored as events (not part of the snapshot), and nothing else.
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("a partial refund with revoked access, from the web action, keeps Stripe's amount in minor units", async () => {
    const payment = await paidByStripe();
    const answer = await refundAction({
      paymentId: payment.id,
      amount: "100.50",
      revokeAccess: true,
      reason: "Goodwill",
    });
    expect(answer).toMatchObject({
      ok: true,
      data: { status: "partially_refunded", refundAmountMinor: 10_050n },
    });
    expect(stripe.requests[0]?.form.get("amount")).toBe("10050");
    expect(stripe.requests[0]?.form.get("metadata[paydesk_revoke_access]")).toBe("true");
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  it("a refund made in Stripe's dashboard arrives by webhook, is recorded as a provider refund and revokes access when full", async () => {
    const payment = await paidByStripe();
    const refundId = stripeId("re");
    const answer = await deliver(
      stripeEvent(
        "refund.created",
        refundObject({
          id: refundId,
          payment_intent: payment.providerPaymentId!,
          amount: 59_900,
          reason: "duplicate",
        }),
      ),
    );
    expect(answer.body).toMatchObject({ outcome: "processed" });
    expect(stripe.requests).toHaveLength(0);
    expect(await reload(payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    const [row] = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
    expect(row).toMatchObject({
      providerRefundId: refundId,
      actor: "system:stripe",
      revokedAccess: true,
      reason: expect.stringContaining("Refunded in Stripe"),
    });
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  it("Stripe refuses: nothing changes here and the admin sees Stripe's message", async () => {
    const payment = await paidByStripe();
    stripe.reply = () => ({
      status: 400,
      body: {
        error: {
          type: "invalid_request_error",
          code: "charge_already_refunded",
          message: "Charge ch_3Pgc has already been refunded.",
        },
      },
    });
    const before = await snapshot(t.db);
    const answer = await refundAction({ paymentId: payment.id, reason: "Customer asked" });
    expect(answer).toStrictEqual({
      ok: false,
      code: "provider_error",
      message: "Stripe refused the refund: Charge ch_3Pgc has already been refunded.",
      fieldErrors: {},
    });
    expect(await snapshot(t.db)).toEqual(before);
    expect(stripe.requests).toHaveLength(1);
  });

  it("Stripe never answers: the SDK retries with the same key, then nothing changes here", async () => {
    const payment = await paidByStripe();
    stripe.reply = () => ({ hang: true });
    const before = await snapshot(t.db);
    const err = await refundError(refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" }));
    expect(err.code).toBe("provider_unavailable");
    expect(err.message).toMatch(/Stripe did not answer .*timeout.*nothing was refunded/);
    expect(await snapshot(t.db)).toEqual(before);
    // The first try and the SDK's network retries (two at most), all under one key.
    expect(stripe.requests.length).toBeGreaterThanOrEqual(2);
    expect(stripe.requests.length).toBeLessThanOrEqual(3);
    expect(new Set(stripe.requests.map((r) => r.idempotencyKey)).size).toBe(1);
  }, 20_000);

  it("Stripe keeps failing with 500: provider_unavailable, nothing changes", async () => {
    const payment = await paidByStripe();
    stripe.reply = () => ({
      status: 500,
      body: { error: { type: "api_error", message: "Something went wrong on Stripe's end." } },
    });
    const before = await snapshot(t.db);
    const err = await refundError(refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" }));
    expect(err.code).toBe("provider_unavailable");
    expect(err.message).toContain("Something went wrong on Stripe's end.");
    expect(await snapshot(t.db)).toEqual(before);
  }, 20_000);

  it("a lost answer cannot refund twice: the retry's key gets Stripe's first refund back", async () => {
    const payment = await paidByStripe();
    let refundsMade = 0;
    stripe.reply = (req) => {
      refundsMade++;
      // Stripe makes the refund, but its answer never arrives.
      return { hang: true, accepted: stripe.refund(req) };
    };
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(refundsMade).toBe(1);
    expect(stripe.requests.length).toBeGreaterThanOrEqual(2);
    expect(result.payment.status).toBe("refunded");
    expect(await t.db.select().from(refunds)).toHaveLength(1);
  }, 20_000);

  it("the same request again after a failure here uses the same key (Stripe answers with the first refund)", async () => {
    const payment = await paidByStripe();
    // First attempt: Stripe refunds, then the database refuses the local record.
    const failing: ServiceContext = {
      ...ctx,
      onStep: (step) => {
        if (step === "payment.status_written") throw new Error("database went away");
      },
    };
    await expect(refundPayment(failing, { paymentId: payment.id, reason: "Customer asked" })).rejects.toThrow(
      "database went away",
    );
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    const second = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(stripe.requests).toHaveLength(2);
    expect(stripe.requests[0]?.idempotencyKey).toBe(stripe.requests[1]?.idempotencyKey);
    expect(second.refund.providerRefundId).toBeTruthy();
    expect(await t.db.select().from(refunds)).toHaveLength(1);
  });

  it("the refund's webhook arrives before Stripe's answer: recorded once, with the admin's access choice", async () => {
    const payment = await paidByStripe();
    const refundId = stripeId("re");
    stripe.reply = async (req) => {
      const answer = stripe.refund(req, { id: refundId });
      // Stripe's webhook overtakes the API answer.
      const webhook = await deliver(stripeEvent("refund.created", answer.body as Record<string, unknown>));
      expect(webhook.body).toMatchObject({ outcome: "processed" });
      return answer;
    };
    const result = await refundPayment(ctx, {
      paymentId: payment.id,
      amount: "100.00",
      revokeAccess: true,
      reason: "Goodwill",
    });
    expect(result.alreadyRecorded).toBe(true);
    expect(result.refund).toMatchObject({
      providerRefundId: refundId,
      revokedAccess: true,
      reason: expect.stringContaining("started in Paydesk"),
    });
    expect(await t.db.select().from(refunds)).toHaveLength(1);
    expect(await reload(payment.id)).toMatchObject({ status: "partially_refunded", refundedMinor: 10_000n });
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  it("refusals the rule knows are given before Stripe is asked", async () => {
    const payment = await paidByStripe();
    const tooMuch = await refundError(
      refundPayment(ctx, { paymentId: payment.id, amount: "600.00", reason: "Customer asked" }),
    );
    expect(tooMuch).toMatchObject({
      code: "validation",
      fieldErrors: { amount: [expect.stringMatching(/At most 599.00 RUB/)] },
    });
    expect(stripe.requests).toHaveLength(0);
  });

  it("no STRIPE_SECRET_KEY: a clear provider_unavailable, nothing changes", async () => {
    const payment = await paidByStripe();
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    try {
      const before = await snapshot(t.db);
      const err = await refundError(refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" }));
      expect(err).toMatchObject({
        code: "provider_unavailable",
        message: expect.stringContaining("STRIPE_SECRET_KEY"),
      });
      expect(await snapshot(t.db)).toEqual(before);
    } finally {
      vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
    }
  });

  it("a manual payment is refunded without Stripe", async () => {
    const { payment } = await createPayment(ctx, {
      customer: customer.email,
      amount: "599.00",
      currency: "RUB",
      plan: "premium",
      status: "succeeded",
      reason: "Transfer",
    });
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.refund.providerRefundId).toBeNull();
    expect(stripe.requests).toHaveLength(0);
  });
});
