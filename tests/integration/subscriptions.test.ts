import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { payments, subscriptionGrants, subscriptions } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { getCustomerSubscriptions } from "@/lib/subscriptions/queries";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";
import { refusal } from "../support/refusal";

const START = "2026-01-01T00:00:00.000Z";

describe("subscription effects of payments", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;
  let customerId: string;

  beforeEach(async () => {
    t = await freshDatabase();
    clock = clockAt(START);
    const base = await baseline(t.db, clock);
    ctx = base.ctx;
    customerId = base.customer.id;
  });
  afterEach(async () => {
    await t.close();
  });

  function pay(extra: { plan?: string | null; amount?: string; status?: "pending" | "succeeded" } = {}) {
    return createPayment(ctx, {
      customer: customerId,
      plan: "plan" in extra ? extra.plan : "premium",
      amount: extra.amount ?? "599.00",
      currency: "RUB",
      status: extra.status ?? "succeeded",
      method: "bank_transfer",
      reason: "bank transfer received",
    });
  }

  function trial(plan = "premium") {
    return createPayment(ctx, {
      customer: customerId,
      plan,
      kind: "trial",
      amount: "0",
      currency: "RUB",
      reason: "trial requested",
    });
  }

  async function subscriptionRow() {
    const rows = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId));
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  async function grantsOf(paymentId: string) {
    return t.db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, paymentId));
  }

  async function readable() {
    const { subscriptions } = await getCustomerSubscriptions(t.db, customerId, clock.now());
    expect(subscriptions).toHaveLength(1);
    return subscriptions[0]!;
  }

  it("a first succeeded payment creates an active subscription for the plan's 30 days", async () => {
    const { payment, subscription } = await pay();
    expect(subscription).toMatchObject({ planCode: "premium", days: 30, created: true, status: "active" });
    expect(subscription?.previousEnd).toBeNull();
    expect(subscription?.currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    const sub = await subscriptionRow();
    expect(sub.status).toBe("active");
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    const [grant] = await grantsOf(payment.id);
    expect(grant).toMatchObject({ days: 30, isTrial: false, revokedAt: null });
    expect(grant?.periodStart.toISOString()).toBe(START);
  });

  it("extends a running subscription from its end", async () => {
    await pay();
    clock.advanceDays(10);
    const second = await pay();
    expect(second.subscription?.previousEnd?.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(second.subscription?.currentPeriodEnd.toISOString()).toBe("2026-03-02T00:00:00.000Z");
    const sub = await subscriptionRow();
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(sub.status).toBe("active");
    const [grant] = await grantsOf(second.payment.id);
    expect(grant?.periodStart.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(grant?.periodEnd.toISOString()).toBe("2026-03-02T00:00:00.000Z");
  });

  it("extends an expired subscription from now, not from the old end", async () => {
    await pay();
    clock.advanceDays(40); // 2026-02-10
    expect((await readable()).status).toBe("expired");
    const second = await pay();
    expect(second.subscription?.currentPeriodEnd.toISOString()).toBe("2026-03-12T00:00:00.000Z");
    const sub = await subscriptionRow();
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-03-12T00:00:00.000Z");
    expect(sub.status).toBe("active");
    expect((await readable()).status).toBe("active");
  });

  it("a pending payment extends only when it succeeds, and only once", async () => {
    const { payment, subscription } = await pay({ status: "pending" });
    expect(subscription).toBeNull();
    expect(await t.db.select().from(subscriptions)).toHaveLength(0);
    clock.advanceDays(2);
    const done = await changePaymentStatus(ctx, {
      paymentId: payment.id,
      status: "succeeded",
      reason: "seen on statement",
    });
    expect(done.subscription?.currentPeriodEnd.toISOString()).toBe("2026-02-02T00:00:00.000Z");
    const again = await changePaymentStatus(ctx, {
      paymentId: payment.id,
      status: "succeeded",
      reason: "double click",
    });
    expect(again.changed).toBe(false);
    expect(again.subscription).toBeNull();
    expect((await subscriptionRow()).currentPeriodEnd.toISOString()).toBe("2026-02-02T00:00:00.000Z");
    expect(await grantsOf(payment.id)).toHaveLength(1);
  });

  it("a trial gives 7 trialing days; a paid period then runs from the trial's end", async () => {
    const tr = await trial();
    expect(tr.payment).toMatchObject({ kind: "trial", status: "succeeded", amountMinor: 0n });
    expect(tr.subscription?.status).toBe("trialing");
    expect(tr.subscription?.currentPeriodEnd.toISOString()).toBe("2026-01-08T00:00:00.000Z");
    let sub = await subscriptionRow();
    expect(sub.status).toBe("trialing");
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-01-08T00:00:00.000Z");
    expect((await grantsOf(tr.payment.id))[0]).toMatchObject({ days: 7, isTrial: true });

    clock.advanceDays(3);
    const paid = await pay();
    expect(paid.subscription?.status).toBe("active");
    sub = await subscriptionRow();
    expect(sub.status).toBe("active");
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-02-07T00:00:00.000Z");
  });

  it("refuses a second trial of the same plan with a field error on plan, and writes nothing", async () => {
    await trial();
    clock.advanceDays(30);
    const err = await refusal(trial());
    expect(err.code).toBe("validation");
    expect(Object.keys(err.fieldErrors)).toEqual(["plan"]);
    expect(err.fieldErrors.plan?.[0]).toMatch(/already had a trial/);
    const trials = await t.db.select().from(payments).where(eq(payments.kind, "trial"));
    expect(trials).toHaveLength(1);
    // A trial of another plan is still allowed.
    const other = await trial("basic");
    expect(other.subscription?.status).toBe("trialing");
  });

  it("voiding a trial does not earn another one", async () => {
    const tr = await trial();
    await changePaymentStatus(ctx, { paymentId: tr.payment.id, status: "canceled", reason: "void trial" });
    const err = await refusal(trial());
    expect(err.code).toBe("validation");
    expect(err.fieldErrors.plan).toBeDefined();
  });

  it("a full refund revokes the grant; with nothing left the subscription is expired", async () => {
    const { payment } = await pay();
    clock.advanceDays(5);
    const refunded = await refundPayment(ctx, { paymentId: payment.id, reason: "customer asked" });
    expect(refunded.payment.status).toBe("refunded");
    expect(refunded.payment.refundedMinor).toBe(59_900n);
    // Nobody asked to keep access and nothing is left: the access rule takes the grant
    // (lib/payments/access.ts; the refund's own flag records only an explicit "revoke access").
    expect(refunded.refund).toMatchObject({ status: "succeeded", keepAccess: false });
    expect(refunded.subscription?.status).toBe("expired");
    const sub = await subscriptionRow();
    expect(sub.status).toBe("expired");
    expect(sub.currentPeriodEnd.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    expect(sub.currentPeriodEnd.toISOString()).toBe(START);
    const [grant] = await grantsOf(payment.id);
    expect(grant?.revokedAt?.toISOString()).toBe("2026-01-06T00:00:00.000Z");
    expect((await readable()).status).toBe("expired");
  });

  it("a full refund takes its days off the end and keeps what other payments bought", async () => {
    const first = await pay();
    clock.advanceDays(10);
    const second = await pay(); // runs Jan 31 → Mar 2
    clock.advanceDays(5);
    const r = await refundPayment(ctx, { paymentId: second.payment.id, reason: "charged twice" });
    expect(r.subscription?.currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    let sub = await subscriptionRow();
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(sub.status).toBe("active");
    expect((await grantsOf(first.payment.id))[0]?.revokedAt).toBeNull();

    // Once the remaining period has ended, refunding a later payment leaves an end in the past.
    clock.advanceDays(30); // 2026-02-15
    const third = await pay(); // Feb 15 → Mar 17
    expect(third.subscription?.currentPeriodEnd.toISOString()).toBe("2026-03-17T00:00:00.000Z");
    await refundPayment(ctx, { paymentId: third.payment.id, reason: "wrong customer" });
    sub = await subscriptionRow();
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(sub.status).toBe("expired");
  });

  it("a partial refund keeps the grant", async () => {
    const { payment } = await pay();
    clock.advanceDays(3);
    const r = await refundPayment(ctx, { paymentId: payment.id, amount: "100.00", reason: "goodwill" });
    expect(r.payment.status).toBe("partially_refunded");
    expect(r.payment.refundedMinor).toBe(10_000n);
    expect(r.refund.amountMinor).toBe(10_000n);
    expect(r.refund.revokedAccess).toBe(false);
    expect(r.subscription).toBeNull();
    const sub = await subscriptionRow();
    expect(sub.status).toBe("active");
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect((await grantsOf(payment.id))[0]?.revokedAt).toBeNull();
  });

  it("a partial refund with revokeAccess revokes the grant; the rest refunds without a second revoke", async () => {
    const { payment } = await pay();
    clock.advanceDays(3);
    const r = await refundPayment(ctx, {
      paymentId: payment.id,
      amount: "100.00",
      revokeAccess: true,
      reason: "abuse",
    });
    expect(r.payment.status).toBe("partially_refunded");
    expect(r.refund.revokedAccess).toBe(true);
    expect(r.subscription?.status).toBe("expired");
    const sub = await subscriptionRow();
    expect(sub.status).toBe("expired");
    expect(sub.currentPeriodEnd.toISOString()).toBe(START);
    expect((await grantsOf(payment.id))[0]?.revokedAt?.toISOString()).toBe("2026-01-04T00:00:00.000Z");

    clock.advanceDays(1);
    const rest = await refundPayment(ctx, { paymentId: payment.id, reason: "refund the rest" });
    expect(rest.payment.status).toBe("refunded");
    expect(rest.payment.refundedMinor).toBe(59_900n);
    expect(rest.refund.amountMinor).toBe(49_900n);
    expect(rest.subscription).toBeNull();
    // The grant keeps its first revocation time.
    expect((await grantsOf(payment.id))[0]?.revokedAt?.toISOString()).toBe("2026-01-04T00:00:00.000Z");
  });

  it("voiding a trial (succeeded → canceled at zero amount) revokes it", async () => {
    const tr = await trial();
    clock.advanceDays(2);
    const voided = await changePaymentStatus(ctx, {
      paymentId: tr.payment.id,
      status: "canceled",
      reason: "trial abuse",
    });
    expect(voided.changed).toBe(true);
    expect(voided.payment.status).toBe("canceled");
    expect(voided.subscription?.status).toBe("expired");
    const sub = await subscriptionRow();
    expect(sub.status).toBe("expired");
    expect(sub.currentPeriodEnd.toISOString()).toBe(START);
    expect((await grantsOf(tr.payment.id))[0]?.revokedAt?.toISOString()).toBe("2026-01-03T00:00:00.000Z");
  });

  it("voiding a trial on top of a paid period keeps the paid days", async () => {
    const tr = await trial(); // Jan 1 → Jan 8
    clock.advanceDays(1);
    await pay(); // Jan 8 → Feb 7
    await changePaymentStatus(ctx, { paymentId: tr.payment.id, status: "canceled", reason: "void trial" });
    const sub = await subscriptionRow();
    // The paid grant replays from when it was granted: Jan 2 + 30 days.
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-02-01T00:00:00.000Z");
    expect(sub.status).toBe("active");
  });

  it("refuses to void a paid succeeded payment", async () => {
    const { payment } = await pay();
    const err = await refusal(
      changePaymentStatus(ctx, { paymentId: payment.id, status: "canceled", reason: "oops" }),
    );
    expect(err.code).toBe("invalid_transition");
    expect((await grantsOf(payment.id))[0]?.revokedAt).toBeNull();
  });

  it("a payment without a plan extends nothing", async () => {
    const { payment, subscription } = await pay({ plan: null });
    expect(payment.status).toBe("succeeded");
    expect(payment.planId).toBeNull();
    expect(subscription).toBeNull();
    expect(await t.db.select().from(subscriptions)).toHaveLength(0);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(0);
  });

  it("respects an explicit grantDays", async () => {
    const { payment, subscription } = await createPayment(ctx, {
      customer: customerId,
      plan: "basic",
      amount: "299.00",
      currency: "RUB",
      status: "succeeded",
      grantDays: 45,
      reason: "promo: 45 days",
    });
    expect(payment.grantDays).toBe(45);
    expect(subscription?.days).toBe(45);
    expect(subscription?.currentPeriodEnd.toISOString()).toBe("2026-02-15T00:00:00.000Z");
    expect((await grantsOf(payment.id))[0]?.days).toBe(45);
    expect((await subscriptionRow()).currentPeriodEnd.toISOString()).toBe("2026-02-15T00:00:00.000Z");
  });

  it("replays an idempotency key with the same request, and refuses it with a different one", async () => {
    const request = {
      customer: customerId,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      status: "succeeded" as const,
      idempotencyKey: "order-2026-0001",
      reason: "bank transfer received",
    };
    const first = await createPayment(ctx, request);
    expect(first.created).toBe(true);
    clock.advanceDays(1);
    const second = await createPayment(ctx, { ...request, reason: "clicked twice" });
    expect(second.created).toBe(false);
    expect(second.payment.id).toBe(first.payment.id);
    expect(second.subscription).toBeNull();
    expect(await t.db.select().from(payments)).toHaveLength(1);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(1);
    expect((await subscriptionRow()).currentPeriodEnd.toISOString()).toBe("2026-01-31T00:00:00.000Z");

    const err = await refusal(createPayment(ctx, { ...request, amount: "600.00" }));
    expect(err.code).toBe("idempotency_conflict");
    const rows = await t.db.select().from(payments).orderBy(asc(payments.createdAt));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.amountMinor).toBe(59_900n);
  });

  it("a trial after a paid period has run out is trialing, not active", async () => {
    await pay();
    clock.advanceDays(100);
    const res = await trial();
    expect(res.subscription?.status).toBe("trialing");
    expect((await subscriptionRow()).status).toBe("trialing");
    expect(res.subscription?.currentPeriodEnd.toISOString()).toBe("2026-04-18T00:00:00.000Z");
  });

  it("revoking a stacked earlier payment keeps the later payment's full days from when it was paid", async () => {
    const a = await pay();
    clock.advanceDays(29);
    await pay(); // runs 2026-01-31 → 2026-03-02
    clock.advanceDays(1);
    await refundPayment(ctx, { paymentId: a.payment.id, reason: "refund the first month" });
    // B was paid on 2026-01-30 and keeps its 30 days from then.
    expect((await subscriptionRow()).currentPeriodEnd.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect((await subscriptionRow()).status).toBe("active");
  });

  it("after a refund, a paid period that has run out does not keep the subscription active", async () => {
    await pay(); // 2026-01-01 → 2026-01-31
    clock.advanceDays(40);
    await trial(); // 2026-02-10 → 2026-02-17, trialing
    clock.advanceDays(1);
    const b = await pay(); // on top of the trial: active until 2026-03-19
    expect((await subscriptionRow()).status).toBe("active");
    clock.advanceDays(1);
    await refundPayment(ctx, { paymentId: b.payment.id, reason: "changed their mind" });
    const sub = await subscriptionRow();
    expect(sub.currentPeriodEnd.toISOString()).toBe("2026-02-17T00:00:00.000Z");
    expect(sub.status).toBe("trialing");
  });
});
