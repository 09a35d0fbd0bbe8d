import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as stripePOST } from "@/app/api/webhooks/stripe/route";
import { POST as yookassaPOST } from "@/app/api/webhooks/yookassa/route";
import type { DatabaseHandle } from "@/db/client";
import {
  auditLog,
  type Customer,
  domainEvents,
  type Payment,
  payments,
  refunds,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { PEER_HEADER, peerHeaderValue } from "@/lib/http/peer";
import { refundPayment } from "@/lib/payments/refund";
import { syncPayment } from "@/lib/payments/sync";
import { resetBreakers } from "@/lib/providers/breaker";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";
import { refusal } from "../support/refusal";
import { stripeEvent, stripeId, WEBHOOK_SECRET, webhookRequest } from "../support/stripe";
import { type Json, type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";
import {
  startYooKassaApiStandIn,
  YOOKASSA_TEST_SECRET_KEY,
  YOOKASSA_TEST_SHOP_ID,
  type YooKassaApiStandIn,
} from "../support/yookassa-api";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

/**
 * docs/providers.md "Refunds": a refund whose answer is lost stays pending, nothing can refund
 * the payment again meanwhile, and whatever learns of it first (webhook, Sync) settles it,
 * counted once; a refund that fails after it was counted is reversed.
 */

const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };

let t: TestDatabase;
let ctx: ServiceContext;
let customer: Customer;
let stripe: StripeApiStandIn;
let yookassa: YooKassaApiStandIn;

beforeAll(async () => {
  stripe = await startStripeApiStandIn();
  yookassa = await startYooKassaApiStandIn();
  vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
  vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
  vi.stubEnv("STRIPE_API_BASE", stripe.url);
  // Short: "Stripe never answers" then costs about a second (the SDK retries twice).
  vi.stubEnv("STRIPE_TIMEOUT_MS", "250");
  vi.stubEnv("YOOKASSA_SHOP_ID", YOOKASSA_TEST_SHOP_ID);
  vi.stubEnv("YOOKASSA_SECRET_KEY", YOOKASSA_TEST_SECRET_KEY);
  vi.stubEnv("YOOKASSA_API_BASE", yookassa.url);
  vi.stubEnv("YOOKASSA_API_TIMEOUT_MS", "300");
  vi.stubEnv("YOOKASSA_ALLOWED_IPS", "");
  vi.stubEnv("YOOKASSA_WEBHOOK_SECRET", "");
  vi.stubEnv("TRUSTED_PROXY_HOPS", "0");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await stripe.close();
  await yookassa.close();
});
beforeEach(async () => {
  stripe.reset();
  yookassa.reset();
  resetBreakers();
  resetRejectionBudgets();
  t = await freshDatabase();
  useActionDb(t.db);
  globalForDb.__paydeskDb = Promise.resolve(t);
  ({ ctx, customer } = await baseline(t.db));
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  resetActionSession();
  globalForDb.__paydeskDb = undefined;
  await t.close();
});

async function deliverStripe(type: string, object: Json) {
  const res = await stripePOST(webhookRequest(stripeEvent(type, object, stripeId("evt"))));
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** A succeeded PaymentIntent at the stand-in, recorded in Paydesk by its webhook (access granted). */
async function stripePaid(): Promise<Payment> {
  const intent = stripe.putIntent({
    metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
  });
  expect((await deliverStripe("payment_intent.succeeded", intent)).outcome).toBe("processed");
  const payment = await paymentOf("stripe", String(intent.id));
  expect(payment).toMatchObject({ status: "succeeded", amountMinor: 59_900n });
  expect(await liveGrant(payment.id)).toBe(true);
  return payment;
}

async function paymentOf(provider: "stripe" | "yookassa", id: string): Promise<Payment> {
  const [p] = await t.db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, provider), eq(payments.providerPaymentId, id)));
  if (!p) throw new Error(`no ${provider} payment ${id}`);
  return p;
}

async function reload(id: string): Promise<Payment> {
  const [p] = await t.db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

async function liveGrant(paymentId: string): Promise<boolean> {
  const [g] = await t.db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, paymentId));
  return g !== undefined && g.revokedAt === null;
}

async function auditCount(action: string, entityId?: string) {
  const rows = await t.db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(
      entityId
        ? and(eq(auditLog.action, action), eq(auditLog.entityId, entityId))
        : eq(auditLog.action, action),
    );
  return rows.length;
}

async function eventCount(type: string, paymentId: string) {
  const rows = await t.db
    .select({ id: domainEvents.id })
    .from(domainEvents)
    .where(and(eq(domainEvents.type, type), eq(domainEvents.aggregateId, paymentId)));
  return rows.length;
}

const refundPosts = () => stripe.count("POST", "/v1/refunds");

describe("Stripe: the refund is made but its answer is lost", () => {
  /** refundPayment while Stripe takes the refund and never answers; then Stripe behaves. */
  async function lostAnswer(payment: Payment) {
    stripe.fault = (req) =>
      req.method === "POST" && req.path === "/v1/refunds" ? "hang_after_accept" : null;
    const started = Date.now();
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.outcome).toBe("pending");
    expect(result.message).toMatch(/do not refund again/i);
    expect(result.refund).toMatchObject({
      status: "pending",
      providerRefundId: null,
      amountMinor: 59_900n,
      idempotencyKey: `paydesk-refund-${result.refund.id}`,
    });
    expect(result.payment).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await liveGrant(payment.id)).toBe(true);

    // Stripe made exactly one refund, whatever the SDK's retries; each carried the same key.
    expect(stripe.refunds.size).toBe(1);
    const posts = stripe.requests.filter((r) => r.method === "POST" && r.path === "/v1/refunds");
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(posts.map((r) => r.idempotencyKey))).toEqual(new Set([result.refund.idempotencyKey]));
    const [made] = [...stripe.refunds.values()];
    expect(made?.metadata).toMatchObject({ paydesk_refund: result.refund.id, paydesk_payment: payment.id });

    // A second refund is refused while the first waits, and nothing is sent.
    stripe.fault = null;
    const sentBefore = refundPosts();
    const second = await refusal(refundPayment(ctx, { paymentId: payment.id, reason: "Again" }));
    expect(second.code).toBe("conflict");
    expect(second.message).toMatch(/do not refund again/i);
    expect(refundPosts()).toBe(sentBefore);
    expect(await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id))).toHaveLength(1);
    return { refund: result.refund, stripeRefund: made! };
  }

  async function expectSettledOnce(payment: Payment, refundId: string, stripeRefundId: string) {
    const after = await reload(payment.id);
    expect(after).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    const rows = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: refundId, status: "succeeded", providerRefundId: stripeRefundId });
    expect(stripe.refunds.size).toBe(1);
    expect(await liveGrant(payment.id)).toBe(false);
    expect(await eventCount("payment.refunded", payment.id)).toBe(1);
    expect(await auditCount("payment.refund", payment.id)).toBe(1);
    expect(await auditCount("subscription.revoke")).toBe(1);
  }

  it("A: the refund.created webhook settles it; then a further refund is refused", async () => {
    const payment = await stripePaid();
    const { refund, stripeRefund } = await lostAnswer(payment);

    const answer = await deliverStripe("refund.created", stripeRefund);
    expect(answer.outcome).toBe("processed");
    await expectSettledOnce(payment, refund.id, String(stripeRefund.id));

    // The same event again, and its refund.updated twin, change nothing.
    await deliverStripe("refund.updated", stripeRefund);
    await expectSettledOnce(payment, refund.id, String(stripeRefund.id));

    const sentBefore = refundPosts();
    const again = await refusal(refundPayment(ctx, { paymentId: payment.id, reason: "Once more" }));
    expect(again.code).not.toBe("internal");
    expect(refundPosts()).toBe(sentBefore);
    expect(stripe.refunds.size).toBe(1);
  });

  it("B: Sync before any webhook settles it from Stripe's refund list, sending nothing again", async () => {
    const payment = await stripePaid();
    const { refund, stripeRefund } = await lostAnswer(payment);
    const sentBefore = refundPosts();

    const synced = await syncPayment(ctx, { paymentId: payment.id, reason: "check the refund" });
    expect(synced.payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(refundPosts()).toBe(sentBefore);
    await expectSettledOnce(payment, refund.id, String(stripeRefund.id));
    expect(await auditCount("payment.sync", payment.id)).toBe(1);

    // A second Sync finds nothing to do.
    const again = await syncPayment(ctx, { paymentId: payment.id });
    expect(again.changed).toBe(false);
    await expectSettledOnce(payment, refund.id, String(stripeRefund.id));
  });

  it("C: the webhook arriving after a Sync changes nothing more", async () => {
    const payment = await stripePaid();
    const { refund, stripeRefund } = await lostAnswer(payment);
    await syncPayment(ctx, { paymentId: payment.id });
    await expectSettledOnce(payment, refund.id, String(stripeRefund.id));
    const version = (await reload(payment.id)).version;

    const answer = await deliverStripe("refund.created", stripeRefund);
    expect(answer.outcome).toBe("ignored");
    await expectSettledOnce(payment, refund.id, String(stripeRefund.id));
    expect((await reload(payment.id)).version).toBe(version);
  });
});

describe("Stripe: refunds Stripe settles later", () => {
  it("a refund Stripe answers pending stays pending until refund.updated says succeeded", async () => {
    const payment = await stripePaid();
    stripe.nextRefundStatus = "pending";
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("pending");
    expect(result.message).toMatch(/Do not refund again/);
    expect(result.refund).toMatchObject({ status: "pending", providerStatus: "pending" });
    expect(result.refund.providerRefundId).toMatch(/^re_/);
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await liveGrant(payment.id)).toBe(true);
    expect((await refusal(refundPayment(ctx, { paymentId: payment.id, reason: "Again" }))).code).toBe(
      "conflict",
    );

    // Pending again (a copy of the creation) changes nothing.
    const made = stripe.refunds.get(result.refund.providerRefundId!)!;
    await deliverStripe("refund.created", made);
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });

    const succeeded = stripe.setRefundStatus(String(made.id), "succeeded");
    expect((await deliverStripe("refund.updated", succeeded)).outcome).toBe("processed");
    expect(await reload(payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    const [row] = await t.db.select().from(refunds).where(eq(refunds.id, result.refund.id));
    expect(row).toMatchObject({ status: "succeeded", providerStatus: "succeeded" });
    expect(await liveGrant(payment.id)).toBe(false);
    expect(stripe.refunds.size).toBe(1);
  });

  it.each([
    ["refund.updated", "failed"],
    ["refund.failed", "failed"],
    ["refund.updated", "canceled"],
  ])("a counted refund that fails later (%s, %s) is reversed and access comes back", async (type, status) => {
    const payment = await stripePaid();
    const [grant] = await t.db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.paymentId, payment.id));
    const [subBefore] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, grant!.subscriptionId));

    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("succeeded");
    expect(await reload(payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(await liveGrant(payment.id)).toBe(false);
    const [subRevoked] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, grant!.subscriptionId));
    expect(subRevoked!.currentPeriodEnd.getTime()).toBeLessThan(subBefore!.currentPeriodEnd.getTime());

    const failed = stripe.setRefundStatus(
      result.refund.providerRefundId!,
      status,
      "expired_or_canceled_card",
    );
    expect((await deliverStripe(type, failed)).outcome).toBe("processed");

    const after = await reload(payment.id);
    expect(after).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    const [row] = await t.db.select().from(refunds).where(eq(refunds.id, result.refund.id));
    expect(row).toMatchObject({ status: "failed", providerStatus: status });
    expect(row?.failureReason).toMatch(/expired_or_canceled_card/);
    expect(await liveGrant(payment.id)).toBe(true);
    const [subAfter] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, grant!.subscriptionId));
    expect(subAfter!.currentPeriodEnd.getTime()).toBe(subBefore!.currentPeriodEnd.getTime());
    expect(subAfter!.status).toBe(subBefore!.status);
    expect(await eventCount("payment.refund_failed", payment.id)).toBe(1);
    expect(await auditCount("payment.refund_reversed", payment.id)).toBe(1);
    expect(await auditCount("subscription.reinstate")).toBe(1);

    // Copies of the failure, and an older "succeeded" snapshot, change nothing more.
    await deliverStripe(type, failed);
    await deliverStripe("refund.created", { ...failed, status: "succeeded", failure_reason: null });
    expect(await reload(payment.id)).toMatchObject({
      status: "succeeded",
      refundedMinor: 0n,
      version: after.version,
    });
    expect(await eventCount("payment.refund_failed", payment.id)).toBe(1);
    expect(await liveGrant(payment.id)).toBe(true);

    // The money is the merchant's again: it can be refunded anew.
    const anew = await refundPayment(ctx, { paymentId: payment.id, reason: "Second try" });
    expect(anew.outcome).toBe("succeeded");
    expect(stripe.refunds.size).toBe(2);
  });
});

describe("YooKassa: the refund is made but its answer is lost", () => {
  async function yookassaPaid(): Promise<Payment> {
    const api = yookassa.putPayment({
      status: "succeeded",
      metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
    });
    const res = await yookassaPOST(
      new Request("http://localhost/api/webhooks/yookassa", {
        method: "POST",
        headers: { "content-type": "application/json", [PEER_HEADER]: peerHeaderValue("185.71.76.10") },
        body: JSON.stringify({ type: "notification", event: "payment.succeeded", object: { id: api.id } }),
      }),
    );
    expect(res.status).toBe(200);
    const payment = await paymentOf("yookassa", String(api.id));
    expect(payment).toMatchObject({ status: "succeeded", amountMinor: 59_900n });
    return payment;
  }

  it("Sync sends the request again with the same Idempotence-Key and gets the same refund", async () => {
    const payment = await yookassaPaid();
    yookassa.fault = (req) =>
      req.method === "POST" && req.path === "/v3/refunds" ? "hang_after_accept" : null;
    const result = await refundPayment(ctx, { paymentId: payment.id, reason: "Customer asked" });
    expect(result.outcome).toBe("pending");
    expect(result.message).toMatch(/do not refund again/i);
    expect(result.refund).toMatchObject({ status: "pending", providerRefundId: null });
    expect(yookassa.refunds.size).toBe(1);
    const [made] = [...yookassa.refunds.values()];
    expect((await refusal(refundPayment(ctx, { paymentId: payment.id, reason: "Again" }))).code).toBe(
      "conflict",
    );

    // YooKassa's notification carries no Paydesk id: it is not matched by guesswork.
    yookassa.fault = null;
    const res = await yookassaPOST(
      new Request("http://localhost/api/webhooks/yookassa", {
        method: "POST",
        headers: { "content-type": "application/json", [PEER_HEADER]: peerHeaderValue("185.71.76.10") },
        body: JSON.stringify({ type: "notification", event: "refund.succeeded", object: { id: made!.id } }),
      }),
    );
    expect(res.status).toBe(200);
    expect(await reload(payment.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id))).toHaveLength(1);

    const synced = await syncPayment(ctx, { paymentId: payment.id });
    expect(synced.payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    const posts = yookassa.requests.filter((r) => r.method === "POST" && r.path === "/v3/refunds");
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(posts.map((r) => r.idempotenceKey))).toEqual(new Set([result.refund.idempotencyKey]));
    expect(yookassa.refunds.size).toBe(1);
    const rows = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: result.refund.id, status: "succeeded", providerRefundId: made!.id });
    expect(await liveGrant(payment.id)).toBe(false);
    expect(await eventCount("payment.refunded", payment.id)).toBe(1);

    // Sync again: nothing is sent, nothing changes.
    const sent = posts.length;
    const again = await syncPayment(ctx, { paymentId: payment.id });
    expect(again.changed).toBe(false);
    expect(yookassa.count("POST", "/v3/refunds")).toBe(sent);
    expect((await reload(payment.id)).refundedMinor).toBe(59_900n);
  });
});
