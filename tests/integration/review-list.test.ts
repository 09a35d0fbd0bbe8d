import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { disputes, payments, refunds } from "@/db/schema";
import { type ServiceContext, systemContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { acquireLease, releaseLease } from "@/lib/jobs/lease";
import { RECONCILE_JOB } from "@/lib/jobs/scheduler";
import { createPayment, recordProviderPayment } from "@/lib/payments/create";
import { resetBreakers } from "@/lib/providers/breaker";
import { listReview, type ReviewItem, type ReviewKind } from "@/lib/review/list";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

const NOW = new Date("2026-03-15T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("listReview on an empty database", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("lists nothing, both breakers closed, and a reconciler that never ran", async () => {
    resetBreakers();
    const review = await listReview(t.db, NOW);
    expect(review.items).toEqual([]);
    expect(review.breakers).toEqual([
      { provider: "stripe", state: "closed", failures: 0, openedAt: null, lastFailure: null },
      { provider: "yookassa", state: "closed", failures: 0, openedAt: null, lastFailure: null },
    ]);
    expect(review.reconciler).toBeNull();
  });
});

describe("listReview", () => {
  let t: TestDatabase;
  let clock: Clock;
  let stripe: ServiceContext;
  let yookassa: ServiceContext;
  const ids: Record<string, string> = {};

  /** A provider payment as its webhook records it, at `at`. */
  async function card(
    name: string,
    at: Date,
    input: {
      provider?: "stripe" | "yookassa";
      status: "pending" | "processing" | "succeeded" | "canceled";
      amountMinor?: bigint;
      currency?: string;
      customer?: string;
    },
  ) {
    clock.set(at);
    const provider = input.provider ?? "stripe";
    const { payment } = await recordProviderPayment(provider === "stripe" ? stripe : yookassa, {
      provider,
      providerPaymentId: `${provider === "stripe" ? "pi" : "yk"}_${name}`,
      customer: input.customer ?? "anna@example.com",
      plan: null,
      amountMinor: input.amountMinor ?? 59_900n,
      currency: input.currency ?? "RUB",
      status: input.status,
    });
    ids[name] = payment.id;
    return payment;
  }

  function dispute(name: string, status: "open" | "won" | "lost", openedAt: Date, amountMinor: bigint) {
    return {
      paymentId: ids[name]!,
      provider: "stripe" as const,
      providerDisputeId: `dp_${name}`,
      kind: "chargeback" as const,
      status,
      providerStatus: status === "open" ? "needs_response" : status,
      reason: "fraudulent",
      amountMinor,
      currency: "USD",
      fundsWithdrawn: true,
      openedAt,
      closedAt: status === "open" ? null : ago(HOUR),
      updatedAt: status === "open" ? openedAt : ago(HOUR),
    };
  }

  function refund(name: string, status: "pending" | "succeeded" | "failed", createdAt: Date) {
    return {
      paymentId: ids[name]!,
      amountMinor: 1000n,
      currency: "USD",
      reason: "customer asked",
      provider: "stripe" as const,
      providerRefundId: `re_${name}_${status}`,
      providerStatus: status,
      status,
      actor: "admin@paydesk.test",
      createdAt,
    };
  }

  beforeAll(async () => {
    t = await freshDatabase();
    clock = clockAt(ago(7 * DAY));
    const base = await baseline(t.db, clock);
    stripe = { ...systemContext(t.db, "system:stripe", "webhook"), now: clock.now };
    yookassa = { ...systemContext(t.db, "system:yookassa", "webhook"), now: clock.now };
    await createCustomer(base.ctx, { email: "boris@example.com", name: "Boris" });

    // Stuck: open at the provider for an hour or more since the last change.
    await card("stuckPending", ago(2 * HOUR), { status: "pending" });
    await card("stuckProcessing", ago(3 * HOUR), {
      provider: "yookassa",
      status: "processing",
      customer: "boris@example.com",
      amountMinor: 29_900n,
    });
    // Not stuck: changed five minutes ago; finished; or a manual payment (nobody to ask).
    await card("freshPending", ago(5 * MINUTE), { status: "pending" });
    await card("oldSucceeded", ago(3 * HOUR), { status: "succeeded" });
    await card("oldCanceled", ago(3 * HOUR), { status: "canceled" });
    clock.set(ago(2 * DAY));
    const { payment: manual } = await createPayment(base.ctx, {
      customer: "anna@example.com",
      amount: "100.00",
      currency: "RUB",
      status: "pending",
      method: "bank_transfer",
      reason: "waiting for the transfer",
    });
    ids.manualPending = manual.id;

    // Held: took the money in another currency than the plan's.
    await card("held", ago(4 * HOUR), { status: "succeeded", currency: "USD", amountMinor: 900n });
    await t.db
      .update(payments)
      .set({ reviewReason: "Paid in USD, the plan is priced in RUB" })
      .where(eq(payments.id, ids.held!));

    // Disputes: one open, one won.
    await card("disputed", ago(5 * DAY), { status: "succeeded", currency: "USD", amountMinor: 5000n });
    await card("disputeWon", ago(5 * DAY), { status: "succeeded", currency: "USD", amountMinor: 4000n });
    await t.db
      .insert(disputes)
      .values([
        dispute("disputed", "open", ago(2 * DAY), 4500n),
        dispute("disputeWon", "won", ago(3 * DAY), 4000n),
      ]);

    // Refunds: pending for two days (needs a person), pending for two hours (not yet), failed and
    // succeeded long ago (settled).
    await card("refundOld", ago(6 * DAY), { status: "succeeded", currency: "USD", amountMinor: 3000n });
    await card("refundFresh", ago(6 * DAY), { status: "succeeded", currency: "USD", amountMinor: 3000n });
    await card("refundSettled", ago(6 * DAY), { status: "succeeded", currency: "USD", amountMinor: 3000n });
    await t.db
      .insert(refunds)
      .values([
        refund("refundOld", "pending", ago(2 * DAY)),
        refund("refundFresh", "pending", ago(2 * HOUR)),
        refund("refundSettled", "failed", ago(4 * DAY)),
        refund("refundSettled", "succeeded", ago(3 * DAY)),
      ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  afterEach(() => {
    resetBreakers();
  });

  const of = (items: ReviewItem[], kind: ReviewKind) => items.filter((i) => i.kind === kind);
  const names = (items: ReviewItem[]) =>
    items.map((i) => Object.entries(ids).find(([, id]) => id === i.paymentId)?.[0] ?? i.paymentId);

  it("lists provider payments open an hour after their last change as stuck, oldest first", async () => {
    const { items } = await listReview(t.db, NOW);
    const stuck = of(items, "stuck_payment");
    expect(names(stuck)).toEqual(["stuckProcessing", "stuckPending"]);
    expect(stuck[1]).toEqual({
      kind: "stuck_payment",
      paymentId: ids.stuckPending,
      customerEmail: "anna@example.com",
      provider: "stripe",
      providerPaymentId: "pi_stuckPending",
      amountMinor: 59_900n,
      currency: "RUB",
      reason: expect.stringMatching(/^Still pending at Stripe.*never synced$/),
      since: ago(2 * HOUR),
      action: "sync",
    });
    expect(stuck[0]).toMatchObject({
      provider: "yookassa",
      customerEmail: "boris@example.com",
      amountMinor: 29_900n,
      reason: expect.stringContaining("at YooKassa"),
      since: ago(3 * HOUR),
    });
  });

  it("leaves out a payment changed five minutes ago, finished ones and manual ones", async () => {
    const { items } = await listReview(t.db, NOW);
    for (const name of ["freshPending", "oldSucceeded", "oldCanceled", "manualPending"]) {
      expect(items.some((i) => i.paymentId === ids[name])).toBe(false);
    }
    // The same payment, seen later, is stuck in its turn.
    const later = await listReview(t.db, new Date(NOW.getTime() + HOUR));
    expect(names(of(later.items, "stuck_payment"))).toContain("freshPending");
  });

  it("lists payments held for review, to decide", async () => {
    const { items } = await listReview(t.db, NOW);
    expect(of(items, "held_for_review")).toEqual([
      {
        kind: "held_for_review",
        paymentId: ids.held,
        customerEmail: "anna@example.com",
        provider: "stripe",
        providerPaymentId: "pi_held",
        amountMinor: 900n,
        currency: "USD",
        reason: "Paid in USD, the plan is priced in RUB: nothing was granted",
        since: ago(4 * HOUR),
        action: "decide",
      },
    ]);
  });

  it("stops listing a held payment once decided", async () => {
    await t.db.update(payments).set({ reviewReason: null }).where(eq(payments.id, ids.held!));
    try {
      expect(of((await listReview(t.db, NOW)).items, "held_for_review")).toEqual([]);
    } finally {
      await t.db
        .update(payments)
        .set({ reviewReason: "Paid in USD, the plan is priced in RUB" })
        .where(eq(payments.id, ids.held!));
    }
  });

  it("lists open disputes with the dispute's amount, not won ones", async () => {
    const { items } = await listReview(t.db, NOW);
    const open = of(items, "open_dispute");
    expect(open).toEqual([
      {
        kind: "open_dispute",
        paymentId: ids.disputed,
        customerEmail: "anna@example.com",
        provider: "stripe",
        providerPaymentId: "pi_disputed",
        amountMinor: 4500n,
        currency: "USD",
        reason: "Chargeback dp_disputed: needs response (fraudulent); funds withdrawn",
        since: ago(2 * DAY),
        action: "respond_at_provider",
      },
    ]);
    expect(items.some((i) => i.paymentId === ids.disputeWon)).toBe(false);
  });

  it("lists refunds still pending after a day, not younger or settled ones", async () => {
    const { items } = await listReview(t.db, NOW);
    expect(of(items, "pending_refund")).toEqual([
      {
        kind: "pending_refund",
        paymentId: ids.refundOld,
        customerEmail: "anna@example.com",
        provider: "stripe",
        providerPaymentId: "pi_refundOld",
        amountMinor: 1000n,
        currency: "USD",
        reason: "Refund re_refundOld_pending is pending at Stripe",
        since: ago(2 * DAY),
        action: "sync",
      },
    ]);
    for (const name of ["refundFresh", "refundSettled"]) {
      expect(items.some((i) => i.paymentId === ids[name])).toBe(false);
    }
    // A day after it was asked for, the younger one needs a person too.
    const later = await listReview(t.db, new Date(NOW.getTime() + DAY));
    expect(names(of(later.items, "pending_refund"))).toEqual(["refundOld", "refundFresh"]);
  });

  it("lists each kind in its own group, stuck payments first", async () => {
    const { items } = await listReview(t.db, NOW);
    expect(items.map((i) => i.kind)).toEqual([
      "stuck_payment",
      "stuck_payment",
      "held_for_review",
      "open_dispute",
      "pending_refund",
    ]);
  });

  it("reports the reconciler's last run, and a run that failed", async () => {
    expect((await listReview(t.db, NOW)).reconciler).toBeNull();
    const started = ago(2 * MINUTE);
    const finished = ago(MINUTE);
    const lease = await acquireLease(t.db, RECONCILE_JOB, "test-instance", 60_000, started);
    expect(lease).not.toBeNull();
    // While it runs, it has started and not finished.
    expect((await listReview(t.db, NOW)).reconciler).toEqual({
      lastStartedAt: started,
      lastFinishedAt: null,
      lastResult: null,
      lastError: null,
    });
    await releaseLease(t.db, lease!, { result: { checked: 3, changed: 1, errors: 0 } }, finished);
    expect((await listReview(t.db, NOW)).reconciler).toEqual({
      lastStartedAt: started,
      lastFinishedAt: finished,
      lastResult: { checked: 3, changed: 1, errors: 0 },
      lastError: null,
    });

    const again = await acquireLease(t.db, RECONCILE_JOB, "test-instance", 60_000, NOW);
    await releaseLease(t.db, again!, { error: "database went away" }, NOW);
    expect((await listReview(t.db, NOW)).reconciler).toEqual({
      lastStartedAt: NOW,
      lastFinishedAt: NOW,
      lastResult: null,
      lastError: "database went away",
    });
  });
});
