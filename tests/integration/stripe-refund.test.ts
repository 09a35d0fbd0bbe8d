import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { refundAction } from "@/app/(admin)/payments/actions";
import { POST } from "@/app/api/webhooks/stripe/route";
import type { Customer } from "@/db/schema";
import { type Payment, payments, refunds, subscriptionGrants } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { createPayment } from "@/lib/payments/create";
import { pendingRefundMessage, refundPayment } from "@/lib/payments/refund";
import { syncPayment } from "@/lib/payments/sync";
import { resetBreakers } from "@/lib/providers/breaker";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { actAs, resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { baseline } from "../support/fixtures";
import {
  chargeObject,
  disputeObject,
  refundObject,
  type StripeStandIn,
  startStripeStandIn,
  stripeEvent,
  stripeId,
  WEBHOOK_SECRET,
  webhookRequest,
} from "../support/stripe";
import { type Json, type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

/**
 * docs/providers.md "Refunds": a refund of a Stripe payment is written pending, with the key
 * `paydesk-refund-<refund id>`, before Stripe is asked; Stripe's answer (or, when it is lost,
 * the refund's webhook or a Sync) settles it, and it counts only once Stripe says it succeeded.
 */

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

const PENDING_MESSAGE = pendingRefundMessage("stripe");

describe("refunds of Stripe payments", () => {
  let t: TestDatabase;
  let stripe: StripeApiStandIn;
  let ctx: ServiceContext;
  let customer: Customer;

  beforeAll(async () => {
    stripe = await startStripeApiStandIn();
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
    resetBreakers();
    stripe.reset();
    const base = await baseline(t.db);
    ctx = base.ctx;
    customer = base.customer;
    actAs({ ...base.actor, mustChangePassword: false } as never);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    resetActionSession();
    await t.close();
  });

  /** A succeeded Stripe payment: Stripe has the intent, Paydesk recorded it from its webhook. */
  async function paidByStripe(amount = 59_900): Promise<{ payment: Payment; intent: Json }> {
    const intent = stripe.putIntent({
      amount,
      amount_received: amount,
      metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
    });
    const answer = await deliver(stripeEvent("payment_intent.succeeded", intent));
    expect(answer.body).toMatchObject({ outcome: "processed" });
    const [payment] = await t.db
      .select()
      .from(payments)
      .where(eq(payments.providerPaymentId, String(intent.id)));
    expect(payment).toMatchObject({ status: "succeeded", amountMinor: BigInt(amount) });
    stripe.requests.length = 0;
    return { payment: payment!, intent };
  }

  async function reload(id: string) {
    const [p] = await t.db.select().from(payments).where(eq(payments.id, id));
    return p!;
  }

  async function refundRows(paymentId: string) {
    return t.db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
  }

  async function grantRevoked(paymentId: string) {
    const [g] = await t.db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.paymentId, paymentId));
    return g?.revokedAt !== null;
  }

  const refundPosts = () => stripe.requests.filter((r) => r.method === "POST" && r.path === "/v1/refunds");

  it("started here: written pending with its key, Stripe is asked with it, its answer counts the refund; the refund's webhooks change nothing more", async () => {
    const { payment } = await paidByStripe();
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });

    expect(refundPosts()).toHaveLength(1);
    const [sent] = refundPosts();
    expect(sent).toMatchObject({
      authorization: "Bearer sk_test_paydesk_stand_in",
      idempotencyKey: `paydesk-refund-${result.refund.id}`,
    });
    expect(sent?.form.get("payment_intent")).toBe(payment.providerPaymentId);
    expect(sent?.form.get("amount")).toBe("59900");
    expect(sent?.form.get("metadata[paydesk_refund]")).toBe(result.refund.id);
    expect(sent?.form.get("metadata[paydesk_payment]")).toBe(payment.id);
    expect(sent?.form.get("metadata[paydesk_revoke_access]")).toBe("false");

    expect(result.outcome).toBe("succeeded");
    expect(result.message).toBe("Refunded through Stripe");
    expect(result.payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    const made = [...stripe.refunds.values()];
    expect(made).toHaveLength(1);
    expect(result.refund).toMatchObject({
      provider: "stripe",
      status: "succeeded",
      providerStatus: "succeeded",
      providerRefundId: made[0]!.id,
      idempotencyKey: `paydesk-refund-${result.refund.id}`,
      actor: "admin@paydesk.test",
      reason: "Customer asked",
      amountMinor: 59_900n,
    });
    expect(await grantRevoked(payment.id)).toBe(true);

    const before = await snapshot(t.db);
    const refund = made[0]!;
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
          refunds: { object: "list", data: [refund], has_more: false },
        }),
      ),
    );
    for (const answer of [created, updated, charge])
      expect(answer.body).toMatchObject({ outcome: "ignored" });
    // Stored as events (not part of the snapshot), and nothing else.
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("a partial refund with revoked access, from the web action, keeps Stripe's amount in minor units", async () => {
    const { payment } = await paidByStripe();
    const answer = await refundAction({
      paymentId: payment.id,
      amount: "100.50",
      revokeAccess: true,
      reason: "Goodwill",
    });
    expect(answer).toMatchObject({
      ok: true,
      data: {
        status: "partially_refunded",
        refundAmountMinor: 10_050n,
        refundStatus: "succeeded",
        outcome: "succeeded",
      },
    });
    expect(refundPosts()[0]?.form.get("amount")).toBe("10050");
    expect(refundPosts()[0]?.form.get("metadata[paydesk_revoke_access]")).toBe("true");
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  it("a refund made in Stripe's dashboard arrives by webhook, is recorded as a provider refund and revokes access when full", async () => {
    const { payment } = await paidByStripe();
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
    const [row] = await refundRows(payment.id);
    expect(row).toMatchObject({
      providerRefundId: refundId,
      status: "succeeded",
      actor: "system:stripe",
      idempotencyKey: null,
      reason: expect.stringContaining("Refunded in Stripe"),
    });
    // Nothing is left and nobody asked to keep access: the grant goes.
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  it("Stripe refuses: the admin sees Stripe's message, the request is closed as failed, nothing else changes", async () => {
    const { payment, intent } = await paidByStripe();
    // Refunded in Stripe's dashboard a moment ago; its webhook has not arrived yet.
    stripe.putRefund({ payment_intent: String(intent.id) });
    const before = await snapshot(t.db);
    const answer = await refundAction({ paymentId: payment.id, reason: "Customer asked" });
    expect(answer).toStrictEqual({
      ok: false,
      code: "provider_error",
      message: `Stripe refused the refund of ${payment.providerPaymentId}: Charge ${String(intent.latest_charge)} has already been refunded.`,
      fieldErrors: {},
    });
    expect(refundPosts()).toHaveLength(1);
    const after = await snapshot(t.db);
    expect(after.payments).toEqual(before.payments);
    expect(after.subscriptions).toEqual(before.subscriptions);
    expect(after.subscription_grants).toEqual(before.subscription_grants);
    expect(await refundRows(payment.id)).toMatchObject([
      {
        status: "failed",
        providerRefundId: null,
        failureReason: expect.stringContaining("has already been refunded"),
      },
    ]);
    // Closed, so it blocks nothing: asking again reaches Stripe again (and is refused again).
    const again = await refundAction({ paymentId: payment.id, reason: "Customer asked" });
    expect(again).toMatchObject({ ok: false, code: "provider_error" });
    expect(refundPosts()).toHaveLength(2);
  });

  it("Stripe accepts but the refund is still pending: recorded pending, nothing counted until refund.updated says it succeeded", async () => {
    const { payment } = await paidByStripe();
    stripe.nextRefundStatus = "pending";
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("pending");
    expect(result.message).toMatch(/Stripe accepted the refund and is processing it \(pending\)/);
    expect(result.refund).toMatchObject({ status: "pending", providerStatus: "pending" });
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await grantRevoked(payment.id)).toBe(false);

    const made = stripe.setRefundStatus(result.refund.providerRefundId!, "succeeded");
    expect((await deliver(stripeEvent("refund.updated", made))).body).toMatchObject({ outcome: "processed" });
    expect(await reload(payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(await refundRows(payment.id)).toMatchObject([{ id: result.refund.id, status: "succeeded" }]);
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  it("Stripe's answer is lost: pending, nothing counted, a second refund is refused; the refund's webhook then settles it", async () => {
    const { payment } = await paidByStripe();
    // Stripe makes the refund, but no answer ever arrives (the SDK's retries included).
    stripe.fault = (req) =>
      req.method === "POST" && req.path === "/v1/refunds" ? "hang_after_accept" : null;
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("pending");
    expect(result.message).toMatch(/^No answer from Stripe \(Stripe did not answer/);
    expect(result.message).toContain(PENDING_MESSAGE);
    expect(result.refund).toMatchObject({
      status: "pending",
      providerRefundId: null,
      idempotencyKey: `paydesk-refund-${result.refund.id}`,
    });
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await grantRevoked(payment.id)).toBe(false);
    // The first try and the SDK's network retries (two at most), all under one key: one refund.
    expect(refundPosts().length).toBeGreaterThanOrEqual(2);
    expect(refundPosts().length).toBeLessThanOrEqual(3);
    expect(new Set(refundPosts().map((r) => r.idempotencyKey))).toEqual(
      new Set([`paydesk-refund-${result.refund.id}`]),
    );
    expect(stripe.refunds.size).toBe(1);

    stripe.fault = null;
    const second = await refundError(
      refundPayment(ctx, { paymentId: payment.id, amount: "1.00", reason: "Customer asked" }),
    );
    expect(second).toMatchObject({ code: "conflict", message: PENDING_MESSAGE });
    const viaAction = await refundAction({ paymentId: payment.id, reason: "Customer asked" });
    expect(viaAction).toMatchObject({ ok: false, code: "conflict", message: PENDING_MESSAGE });
    expect(stripe.refunds.size).toBe(1);

    // Stripe's webhook carries metadata.paydesk_refund: it is this refund, counted once.
    const [made] = [...stripe.refunds.values()];
    expect(made!.metadata).toMatchObject({ paydesk_refund: result.refund.id });
    const created = await deliver(stripeEvent("refund.created", made!));
    expect(created.body).toMatchObject({ outcome: "processed" });
    expect(await reload(payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(await refundRows(payment.id)).toMatchObject([
      { id: result.refund.id, status: "succeeded", providerRefundId: made!.id },
    ]);
    expect(await grantRevoked(payment.id)).toBe(true);
    const updated = await deliver(stripeEvent("refund.updated", made!));
    expect(updated.body).toMatchObject({ outcome: "ignored" });
    expect(await refundRows(payment.id)).toHaveLength(1);
  }, 20_000);

  it("Stripe never received it: pending; Sync sends it again with the same key and counts Stripe's one refund", async () => {
    const { payment } = await paidByStripe();
    stripe.fault = (req) => (req.method === "POST" && req.path === "/v1/refunds" ? "hang" : null);
    const result = await refundPayment(ctx, {
      paymentId: payment.id,
      amount: "100.00",
      reason: "Goodwill",
    });
    expect(result.outcome).toBe("pending");
    expect(stripe.refunds.size).toBe(0);
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });

    stripe.fault = null;
    const synced = await syncPayment(ctx, { paymentId: payment.id });
    expect(synced.payment).toMatchObject({ status: "partially_refunded", refundedMinor: 10_000n });
    expect(stripe.refunds.size).toBe(1);
    expect(new Set(refundPosts().map((r) => r.idempotencyKey))).toEqual(
      new Set([`paydesk-refund-${result.refund.id}`]),
    );
    expect(await refundRows(payment.id)).toMatchObject([{ id: result.refund.id, status: "succeeded" }]);
  }, 20_000);

  it("Stripe keeps failing with 500: the refund may have been made, so it stays pending and counts nothing", async () => {
    const { payment } = await paidByStripe();
    stripe.fault = (req) => (req.method === "POST" ? "error500" : null);
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("pending");
    expect(result.message).toContain("Something went wrong on Stripe's end.");
    expect(result.message).toContain(PENDING_MESSAGE);
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await refundRows(payment.id)).toMatchObject([{ status: "pending", providerRefundId: null }]);
    expect(await grantRevoked(payment.id)).toBe(false);
  }, 20_000);

  it("a lost answer cannot refund twice: the SDK's retry with the same key gets Stripe's first refund back", async () => {
    const { payment } = await paidByStripe();
    let first = true;
    stripe.fault = (req) => {
      if (req.method !== "POST" || req.path !== "/v1/refunds" || !first) return null;
      first = false;
      return "hang_after_accept";
    };
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(refundPosts()).toHaveLength(2);
    expect(refundPosts()[0]?.idempotencyKey).toBe(refundPosts()[1]?.idempotencyKey);
    expect(stripe.refunds.size).toBe(1);
    expect(result.outcome).toBe("succeeded");
    expect(result.payment.status).toBe("refunded");
    expect(await refundRows(payment.id)).toHaveLength(1);
  }, 20_000);

  it("a failure here after Stripe refunded leaves the refund pending; Sync matches Stripe's refund by its metadata, without refunding again", async () => {
    const { payment } = await paidByStripe();
    // Stripe refunds, then the database refuses to record its answer.
    const failing: ServiceContext = {
      ...ctx,
      onStep: (step) => {
        if (step === "payment.status_written") throw new Error("database went away");
      },
    };
    await expect(refundPayment(failing, { paymentId: payment.id, reason: "Customer asked" })).rejects.toThrow(
      "database went away",
    );
    expect(stripe.refunds.size).toBe(1);
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    const [pending] = await refundRows(payment.id);
    expect(pending).toMatchObject({ status: "pending", providerRefundId: null });

    const again = await refundError(refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" }));
    expect(again).toMatchObject({ code: "conflict", message: PENDING_MESSAGE });

    const synced = await syncPayment(ctx, { paymentId: payment.id });
    expect(synced.payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(refundPosts()).toHaveLength(1);
    expect(await refundRows(payment.id)).toMatchObject([
      { id: pending!.id, status: "succeeded", providerRefundId: [...stripe.refunds.keys()][0] },
    ]);
    expect(await grantRevoked(payment.id)).toBe(true);
  });

  describe("the refund's webhook arrives before Stripe's answer", () => {
    let overtaking: StripeStandIn;
    beforeAll(async () => {
      overtaking = await startStripeStandIn();
    });
    afterAll(async () => {
      await overtaking.close();
    });

    it("recorded once, counted once, with the admin's access choice", async () => {
      const { payment } = await paidByStripe();
      vi.stubEnv("STRIPE_API_BASE", overtaking.url);
      // The webhook is handled inside the stand-in's reply; under load that can outlast the
      // 300 ms the other tests use, and the SDK would then retry (a second request, not the point here).
      vi.stubEnv("STRIPE_TIMEOUT_MS", "20000");
      try {
        const refundId = stripeId("re");
        overtaking.requests.length = 0;
        overtaking.reply = async (req) => {
          const answer = overtaking.refund(req, { id: refundId });
          // Stripe's webhook overtakes the API answer.
          const webhook = await deliver(
            stripeEvent("refund.created", answer.body as Record<string, unknown>),
          );
          expect(webhook.body).toMatchObject({ outcome: "processed" });
          return answer;
        };
        const result = await refundPayment(ctx, {
          paymentId: payment.id,
          amount: "100.00",
          revokeAccess: true,
          reason: "Goodwill",
        });
        expect(overtaking.requests).toHaveLength(1);
        expect(result.outcome).toBe("succeeded");
        expect(result.refund).toMatchObject({
          providerRefundId: refundId,
          status: "succeeded",
          revokedAccess: true,
          reason: "Goodwill",
        });
        expect(await refundRows(payment.id)).toHaveLength(1);
        expect(await reload(payment.id)).toMatchObject({
          status: "partially_refunded",
          refundedMinor: 10_000n,
        });
        expect(await grantRevoked(payment.id)).toBe(true);
      } finally {
        vi.stubEnv("STRIPE_API_BASE", stripe.url);
        vi.stubEnv("STRIPE_TIMEOUT_MS", "300");
      }
    });
  });

  it("refusals the rule knows are given before anything is written or Stripe is asked", async () => {
    const { payment } = await paidByStripe();
    const before = await snapshot(t.db);
    const tooMuch = await refundError(
      refundPayment(ctx, { paymentId: payment.id, amount: "600.00", reason: "Customer asked" }),
    );
    expect(tooMuch).toMatchObject({
      code: "validation",
      fieldErrors: { amount: [expect.stringMatching(/At most 599.00 RUB/)] },
    });
    const bankReference = await refundError(
      refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked", bankReference: "TR-1" }),
    );
    expect(bankReference).toMatchObject({
      code: "validation",
      fieldErrors: { bankReference: [expect.any(String)] },
    });
    expect(stripe.requests).toHaveLength(0);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("a disputed payment is not refunded: the dispute decides where the money goes", async () => {
    const { payment } = await paidByStripe();
    const opened = await deliver(
      stripeEvent(
        "charge.dispute.created",
        disputeObject({
          payment_intent: payment.providerPaymentId!,
          amount: 59_900,
          status: "needs_response",
        }),
      ),
    );
    expect(opened.body).toMatchObject({ outcome: "processed" });
    const before = await snapshot(t.db);
    const err = await refundError(refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" }));
    expect(err).toMatchObject({ code: "invalid_transition", message: expect.stringContaining("disputed") });
    expect(stripe.requests).toHaveLength(0);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("no STRIPE_SECRET_KEY: a clear provider_unavailable; the request is closed, nothing else changes", async () => {
    const { payment } = await paidByStripe();
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    try {
      const before = await snapshot(t.db);
      const err = await refundError(refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" }));
      expect(err).toMatchObject({
        code: "provider_unavailable",
        message: expect.stringContaining("STRIPE_SECRET_KEY"),
      });
      const after = await snapshot(t.db);
      expect(after.payments).toEqual(before.payments);
      expect(after.subscription_grants).toEqual(before.subscription_grants);
      expect(await refundRows(payment.id)).toMatchObject([
        { status: "failed", failureReason: expect.stringContaining("STRIPE_SECRET_KEY") },
      ]);
    } finally {
      vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
    }
    expect(stripe.requests).toHaveLength(0);
    // Nothing was sent, so nothing waits: once configured, the refund goes through.
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("succeeded");
    expect(await reload(payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
  });

  it("a manual payment is refunded without Stripe, counted at once", async () => {
    const { payment } = await createPayment(ctx, {
      customer: customer.email,
      amount: "599.00",
      currency: "RUB",
      plan: "premium",
      status: "succeeded",
      reason: "Transfer",
    });
    const result = await refundPayment(ctx, {
      paymentId: payment.id,
      reason: "Customer asked",
      bankReference: "TR-2026-0042",
    });
    expect(result.outcome).toBe("succeeded");
    expect(result.refund).toMatchObject({
      status: "succeeded",
      provider: "manual",
      providerRefundId: null,
      idempotencyKey: null,
      bankReference: "TR-2026-0042",
    });
    expect(result.payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(stripe.requests).toHaveLength(0);
  });
});
