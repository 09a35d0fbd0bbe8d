import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit/verify";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { getCustomerSubscriptions } from "@/lib/subscriptions/queries";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

describe("payment lifecycle", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("creates, succeeds, refunds and keeps a valid audit chain", async () => {
    const clock = clockAt("2026-03-01T00:00:00.000Z");
    const { ctx, customer } = await baseline(t.db, clock);
    const created = await createPayment(ctx, {
      customer: customer.email,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      reason: "bank transfer received",
    });
    expect(created.payment.status).toBe("pending");
    expect(created.payment.amountMinor).toBe(59_900n);
    const done = await changePaymentStatus(ctx, {
      paymentId: created.payment.id,
      status: "succeeded",
      reason: "seen on statement",
    });
    expect(done.subscription?.currentPeriodEnd.toISOString()).toBe("2026-03-31T00:00:00.000Z");
    const again = await changePaymentStatus(ctx, {
      paymentId: created.payment.id,
      status: "succeeded",
      reason: "double click",
    });
    expect(again.changed).toBe(false);
    const refunded = await refundPayment(ctx, { paymentId: created.payment.id, reason: "customer asked" });
    expect(refunded.payment.status).toBe("refunded");
    const subs = await getCustomerSubscriptions(t.db, customer.id, clock.now());
    expect(subs.subscriptions[0]?.status).toBe("expired");
    const verify = await verifyAuditChain(t.db);
    expect(verify.ok).toBe(true);
    expect(verify.checked).toBeGreaterThan(4);
  });
});
