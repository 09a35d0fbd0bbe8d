import { and, asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { auditLog, type Payment, payments, refunds, subscriptionGrants, subscriptions } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { isServiceError, type ServiceError } from "@/lib/errors";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { addDays } from "@/lib/subscriptions/arithmetic";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

// Races need several real connections: PGlite has one, so these run on PostgreSQL only.

const START = "2026-04-01T00:00:00.000Z";

const rows = queryRows;

/** Starts every call at once (each on its own pooled connection) and waits for all of them. */
async function race<T>(n: number, call: (i: number) => Promise<T>) {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => call(i)));
  const fulfilled = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const rejected = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  return { fulfilled, rejected };
}

function asServiceError(err: unknown): ServiceError {
  if (!isServiceError(err)) throw new Error(`expected a ServiceError, got: ${String(err)}`, { cause: err });
  return err;
}

async function expectIntactAudit(db: Queryable) {
  const result = await verifyAuditChain(db);
  expect(result.firstBroken).toBeNull();
  expect(result.ok).toBe(true);
  const [dupes] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from (
          select chain_key, chain_seq from audit_log group by 1, 2 having count(*) > 1) d`,
  );
  expect(Number(dupes?.n)).toBe(0);
  return result;
}

describe.runIf(backend === "postgres")("concurrency on PostgreSQL", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase({ max: 24 });
  });
  afterEach(async () => {
    await t.close();
  });

  /**
   * A context per call, as separate requests would have, sharing one clock. Each step of
   * the mutation pauses briefly, so the racers' transactions really overlap.
   */
  function contexts(base: ServiceContext) {
    return (i: number): ServiceContext => ({
      ...base,
      requestId: `${base.requestId}-${i}`,
      onStep: () => new Promise((resolve) => setTimeout(resolve, 5 + (i % 3) * 5)),
    });
  }

  it("20 concurrent successes of one payment: one grant, one audit entry, one extension", async () => {
    const clock = clockAt(START);
    const { ctx, customer } = await baseline(t.db, clock);
    const { payment } = await createPayment(ctx, {
      customer: customer.id,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      reason: "transfer announced",
    });
    const ctxOf = contexts(ctx);

    const { fulfilled, rejected } = await race(20, (i) =>
      changePaymentStatus(ctxOf(i), { paymentId: payment.id, status: "succeeded", reason: `click ${i}` }),
    );
    expect(rejected).toEqual([]);
    expect(fulfilled).toHaveLength(20);
    expect(fulfilled.filter((r) => r.changed)).toHaveLength(1);
    expect(fulfilled.filter((r) => !r.changed)).toHaveLength(19);
    for (const r of fulfilled) expect(r.payment.status).toBe("succeeded");

    const grants = await t.db.select().from(subscriptionGrants);
    expect(grants).toHaveLength(1);
    expect(grants[0]!.paymentId).toBe(payment.id);
    const statusEntries = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "payment.status_change"), eq(auditLog.entityId, payment.id)));
    expect(statusEntries).toHaveLength(1);
    const extends_ = await t.db.select().from(auditLog).where(eq(auditLog.action, "subscription.extend"));
    expect(extends_).toHaveLength(1);

    const subs = await t.db.select().from(subscriptions);
    expect(subs).toHaveLength(1);
    expect(subs[0]!.status).toBe("active");
    expect(subs[0]!.currentPeriodEnd.toISOString()).toBe(addDays(subs[0]!.startedAt, 30).toISOString());
    expect(subs[0]!.currentPeriodEnd.toISOString()).toBe("2026-05-01T00:00:00.000Z");
    await expectIntactAudit(t.db);
  });

  it("10 concurrent creates with one idempotency key and the same request: one payment", async () => {
    const clock = clockAt(START);
    const { ctx, customer } = await baseline(t.db, clock);
    const ctxOf = contexts(ctx);
    const input = {
      customer: customer.id,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      status: "succeeded" as const,
      method: "bank_transfer" as const,
      idempotencyKey: "race-same-request-0001",
      reason: "paid at the desk",
    };

    const { fulfilled, rejected } = await race(10, (i) => createPayment(ctxOf(i), input));
    expect(rejected).toEqual([]);
    expect(fulfilled).toHaveLength(10);
    const ids = new Set(fulfilled.map((r) => r.payment.id));
    expect(ids.size).toBe(1);
    expect(fulfilled.filter((r) => r.created)).toHaveLength(1);

    const stored = await t.db.select().from(payments);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe([...ids][0]);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(1);
    const [sub] = await t.db.select().from(subscriptions);
    expect(sub!.currentPeriodEnd.toISOString()).toBe("2026-05-01T00:00:00.000Z");
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, "payment.create"))).toHaveLength(1);
    await expectIntactAudit(t.db);
  });

  it("concurrent creates with one key but different amounts: one payment, the rest conflict", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt(START));
    const ctxOf = contexts(ctx);

    const { fulfilled, rejected } = await race(10, (i) =>
      createPayment(ctxOf(i), {
        customer: customer.id,
        amount: `${100 + i}.00`,
        currency: "RUB",
        idempotencyKey: "race-different-request-0001",
        reason: "typed twice",
      }),
    );
    expect(fulfilled).toHaveLength(1);
    expect(fulfilled[0]!.created).toBe(true);
    expect(rejected).toHaveLength(9);
    for (const err of rejected) expect(asServiceError(err).code).toBe("idempotency_conflict");

    const stored = await t.db.select().from(payments);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(fulfilled[0]!.payment.id);
    expect(stored[0]!.amountMinor).toBe(fulfilled[0]!.payment.amountMinor);
    await expectIntactAudit(t.db);
  });

  it("10 concurrent partial refunds of 200.00 on 599.00 never refund more than was paid", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt(START));
    const { payment } = await createPayment(ctx, {
      customer: customer.id,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      status: "succeeded",
      reason: "paid",
    });
    const ctxOf = contexts(ctx);

    const { fulfilled, rejected } = await race(10, (i) =>
      refundPayment(ctxOf(i), { paymentId: payment.id, amount: "200.00", reason: `refund ${i}` }),
    );
    // Serialised on the payment's row lock: two fit (400.00), the third would exceed 599.00.
    expect(fulfilled).toHaveLength(2);
    expect(rejected).toHaveLength(8);
    for (const err of rejected) {
      const e = asServiceError(err);
      expect(e.code).toBe("validation");
      expect(e.fieldErrors.amount?.[0]).toMatch(/left to refund/);
    }

    const [stored] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    const refundRows = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
    const sum = refundRows.reduce((acc, r) => acc + r.amountMinor, 0n);
    expect(stored!.refundedMinor).toBeLessThanOrEqual(59_900n);
    expect(sum).toBe(stored!.refundedMinor);
    expect(stored!.refundedMinor).toBe(40_000n);
    expect(stored!.status).toBe("partially_refunded");
    expect(refundRows).toHaveLength(2);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, "payment.refund"))).toHaveLength(2);
    await expectIntactAudit(t.db);
  });

  it("concurrent successes of 5 payments for one customer and plan stack to 5 × 30 days", async () => {
    const clock = clockAt(START);
    const { ctx, customer } = await baseline(t.db, clock);
    const pending: Payment[] = [];
    for (let i = 0; i < 5; i++) {
      const { payment } = await createPayment(ctx, {
        customer: customer.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        reason: `month ${i + 1} announced`,
      });
      pending.push(payment);
    }
    const ctxOf = contexts(ctx);

    // No subscription exists yet: the racers also race to create it.
    const { fulfilled, rejected } = await race(5, (i) =>
      changePaymentStatus(ctxOf(i), { paymentId: pending[i]!.id, status: "succeeded", reason: "paid" }),
    );
    expect(rejected).toEqual([]);
    expect(fulfilled.every((r) => r.changed)).toBe(true);
    expect(fulfilled.filter((r) => r.subscription?.created)).toHaveLength(1);

    const subs = await t.db.select().from(subscriptions);
    expect(subs).toHaveLength(1);
    const sub = subs[0]!;
    expect(sub.startedAt.toISOString()).toBe(START);
    expect(sub.currentPeriodEnd.toISOString()).toBe(addDays(sub.startedAt, 5 * 30).toISOString());
    expect(sub.status).toBe("active");

    const grants = await t.db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.subscriptionId, sub.id))
      .orderBy(asc(subscriptionGrants.periodStart));
    expect(grants).toHaveLength(5);
    expect(new Set(grants.map((g) => g.paymentId))).toEqual(new Set(pending.map((p) => p.id)));
    // Back to back, no overlap and no gap.
    expect(grants[0]!.periodStart.toISOString()).toBe(START);
    for (let i = 1; i < grants.length; i++) {
      expect(grants[i]!.periodStart.toISOString()).toBe(grants[i - 1]!.periodEnd.toISOString());
    }
    expect(grants.at(-1)!.periodEnd.toISOString()).toBe(sub.currentPeriodEnd.toISOString());
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, "subscription.extend"))).toHaveLength(
      5,
    );
    await expectIntactAudit(t.db);
  });

  it("concurrent trials for one customer and plan: exactly one trial", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt(START));
    const ctxOf = contexts(ctx);

    const { fulfilled, rejected } = await race(10, (i) =>
      createPayment(ctxOf(i), {
        customer: customer.id,
        plan: "family",
        kind: "trial",
        amount: "0",
        currency: "RUB",
        reason: `trial request ${i}`,
      }),
    );
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(9);
    for (const err of rejected) {
      const e = asServiceError(err);
      expect(e.code).toBe("validation");
      expect(e.fieldErrors.plan?.[0]).toMatch(/already had a trial/);
    }

    const trials = await t.db.select().from(payments).where(eq(payments.kind, "trial"));
    expect(trials).toHaveLength(1);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(1);
    const [sub] = await t.db.select().from(subscriptions);
    expect(sub!.status).toBe("trialing");
    expect(sub!.currentPeriodEnd.toISOString()).toBe(addDays(new Date(START), 7).toISOString());
    await expectIntactAudit(t.db);
  });
});
