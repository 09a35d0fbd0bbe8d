import { asc, eq, isNull } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import {
  auditLog,
  domainEvents,
  type Payment,
  payments,
  refunds,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";
import { type PaymentStatus, paymentStatuses } from "@/db/schema/enums";
import { verifyAuditChain } from "@/lib/audit/verify";
import { type ServiceContext, systemContext } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { formatMinor } from "@/lib/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { effectiveStatus, replayGrants, statusFor } from "@/lib/subscriptions/arithmetic";
import { freshDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

type Op =
  | {
      t: "create";
      status: "pending" | "succeeded";
      minor: number;
      withPlan: boolean;
      grantDays: number | null;
    }
  | { t: "trial" }
  | { t: "status"; slot: number; status: PaymentStatus; byProvider: boolean }
  | { t: "refund"; slot: number; permille: number | null; revoke: boolean }
  | { t: "advance"; days: number };

const slot = fc.nat({ max: 9 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("create" as const),
      status: fc.constantFrom("pending" as const, "succeeded" as const),
      minor: fc.integer({ min: 1, max: 100_000 }),
      withPlan: fc.constantFrom(true, true, true, false),
      grantDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null, freq: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "trial" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("status" as const),
      slot,
      status: fc.constantFrom(...paymentStatuses),
      byProvider: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("refund" as const),
      slot,
      // Share of what is left to refund, in ‰; above 1000 asks for too much; null means "the rest".
      permille: fc.option(fc.integer({ min: 1, max: 1_300 }), { nil: null, freq: 3 }),
      revoke: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("advance" as const), days: fc.integer({ min: 0, max: 45 }) }),
  },
);

const EXPECTED_REFUSALS = new Set(["validation", "invalid_transition"]);

/** Everything a mutation could touch: a refused one must leave all of it as it was. */
async function fingerprint(db: Db) {
  const counts = [
    await db.$count(auditLog),
    await db.$count(domainEvents),
    await db.$count(subscriptionGrants, isNull(subscriptionGrants.revokedAt)),
    await db.$count(refunds),
  ];
  const pays = await db.select().from(payments).orderBy(asc(payments.createdAt), asc(payments.id));
  const subs = await db.select().from(subscriptions).orderBy(asc(subscriptions.id));
  return JSON.stringify({ counts, pays, subs }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

async function apply(op: Op, ctx: ServiceContext, provider: ServiceContext, customer: string, ids: string[]) {
  const db = ctx.db;
  const pick = (n: number) => ids[n % ids.length];
  switch (op.t) {
    case "create": {
      const r = await createPayment(ctx, {
        customer,
        plan: op.withPlan ? "premium" : null,
        amount: formatMinor(BigInt(op.minor), "RUB"),
        currency: "RUB",
        status: op.status,
        grantDays: op.grantDays,
        reason: "property test payment",
      });
      ids.push(r.payment.id);
      return;
    }
    case "trial": {
      const r = await createPayment(ctx, {
        customer,
        plan: "premium",
        kind: "trial",
        amount: "0",
        currency: "RUB",
        reason: "property test trial",
      });
      ids.push(r.payment.id);
      return;
    }
    case "status": {
      const id = pick(op.slot);
      if (!id) return;
      const r = await changePaymentStatus(op.byProvider ? provider : ctx, {
        paymentId: id,
        status: op.status,
        reason: "property test status",
      });
      expect(r.payment.status).toBe(op.status);
      return;
    }
    case "refund": {
      const id = pick(op.slot);
      if (!id) return;
      let amount: string | null = null;
      if (op.permille !== null) {
        const [p] = await db.select().from(payments).where(eq(payments.id, id));
        const remaining = p!.amountMinor - p!.refundedMinor;
        const minor = (remaining * BigInt(op.permille)) / 1000n;
        amount = formatMinor(minor > 0n ? minor : 1n, "RUB");
      }
      const r = await refundPayment(ctx, {
        paymentId: id,
        amount,
        revokeAccess: op.revoke,
        reason: "property test refund",
      });
      expect(["partially_refunded", "refunded"]).toContain(r.payment.status);
      return;
    }
    case "advance": {
      // handled by the caller (it owns the clock)
      return;
    }
  }
}

async function checkInvariants(db: Db, now: Date) {
  const pays = await db.select().from(payments);
  const grants = await db.select().from(subscriptionGrants);
  const refundRows = await db.select().from(refunds);
  const subs = await db.select().from(subscriptions);

  const byPayment = new Map<string, Payment>(pays.map((p) => [p.id, p]));
  for (const p of pays) {
    expect(p.refundedMinor >= 0n && p.refundedMinor <= p.amountMinor).toBe(true);
    const refunded = refundRows.filter((r) => r.paymentId === p.id);
    expect(refunded.reduce((sum, r) => sum + r.amountMinor, 0n)).toBe(p.refundedMinor);
    // Refund status and refunded amount agree.
    if (p.status === "refunded") expect(p.refundedMinor).toBe(p.amountMinor);
    if (p.status === "partially_refunded") {
      expect(p.refundedMinor > 0n && p.refundedMinor < p.amountMinor).toBe(true);
    }
    if (p.status !== "refunded" && p.status !== "partially_refunded") expect(p.refundedMinor).toBe(0n);

    const own = grants.filter((g) => g.paymentId === p.id);
    expect(own.length).toBeLessThanOrEqual(1);
    const everSucceeded = p.succeededAt !== null;
    expect(own.length).toBe(everSucceeded && p.planId !== null ? 1 : 0);
    const grant = own[0];
    if (grant) {
      const shouldBeRevoked =
        p.status === "refunded" || p.status === "canceled" || refunded.some((r) => r.revokedAccess);
      expect(grant.revokedAt !== null).toBe(shouldBeRevoked);
      expect(grant.isTrial).toBe(p.kind === "trial");
      expect(grant.days).toBe(p.grantDays ?? (p.kind === "trial" ? 7 : 30));
    }
  }
  for (const g of grants) expect(byPayment.has(g.paymentId)).toBe(true);

  for (const sub of subs) {
    const live = grants.filter((g) => g.subscriptionId === sub.id && g.revokedAt === null);
    if (live.length > 0) {
      expect(sub.currentPeriodEnd.toISOString()).toBe(replayGrants(live)?.toISOString());
    } else {
      expect(sub.currentPeriodEnd.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(sub.status).toBe("expired");
    }
    // Status is decided when the subscription last changed: a paid grant counts if its
    // period was still running then (a lapsed paid period does not make a trial "active").
    const hasLivePaid = live.some((g) => !g.isTrial && g.periodEnd > sub.updatedAt);
    expect(effectiveStatus(sub.status, sub.currentPeriodEnd, now)).toBe(
      statusFor(sub.currentPeriodEnd, now, hasLivePaid),
    );
  }
  const trials = pays.filter((p) => p.kind === "trial");
  expect(trials.length).toBeLessThanOrEqual(1);
}

describe("service invariants under random operation sequences", () => {
  it("hold after every sequence", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 20 }), async (ops) => {
        const t = await freshDatabase();
        try {
          const clock: Clock = clockAt("2026-01-01T00:00:00.000Z");
          const { ctx, customer } = await baseline(t.db, clock);
          const provider: ServiceContext = {
            ...systemContext(t.db, "system:stripe", "webhook"),
            now: clock.now,
          };
          const ids: string[] = [];
          for (const op of ops) {
            if (op.t === "advance") {
              clock.advanceDays(op.days);
              continue;
            }
            const before = await fingerprint(t.db);
            try {
              await apply(op, ctx, provider, customer.id, ids);
            } catch (err) {
              if (!isServiceError(err)) throw err;
              expect(EXPECTED_REFUSALS, `${err.code}: ${err.message}`).toContain(err.code);
              expect(await fingerprint(t.db)).toBe(before);
            }
          }
          await checkInvariants(t.db, clock.now());
          const chain = await verifyAuditChain(t.db);
          expect(chain.ok).toBe(true);
        } finally {
          await t.close();
        }
      }),
      { numRuns: 25, interruptAfterTimeLimit: 180_000 },
    );
  });
});
