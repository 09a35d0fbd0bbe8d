import { asc, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { customers, payments, plans, subscriptions } from "@/db/schema";
import { type PaymentStatus, paymentStatuses } from "@/db/schema/enums";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { isServiceError, ServiceError } from "@/lib/errors";
import { formatMinor } from "@/lib/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import {
  type EffectPreview,
  type PreviewCreateInput,
  previewCreateEffect,
  previewRefundEffect,
  previewTransitionEffect,
} from "@/lib/payments/preview";
import { refundPayment } from "@/lib/payments/refund";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

const START = "2026-01-01T00:00:00.000Z";
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

async function allSubscriptions(db: Db) {
  return db
    .select({ sub: subscriptions, email: customers.email, plan: plans.code })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .orderBy(asc(subscriptions.id));
}

/**
 * Runs the verb a preview describes and checks the preview told the truth: the subscription
 * row ends up at `newEnd` with `subscriptionStatusAfter`, from `currentEnd`; "none" changes
 * no subscription; "refused" is refused with the same message (on the same field).
 */
async function expectPreviewHolds(db: Db, preview: EffectPreview, run: () => Promise<unknown>) {
  const before = await allSubscriptions(db);
  const outcome = await run().then(
    () => null,
    (err: unknown) => {
      if (!isServiceError(err)) throw err;
      return err;
    },
  );
  const after = await allSubscriptions(db);
  if (preview.kind === "refused") {
    expect(outcome, `expected the verb to refuse: ${preview.message}`).toBeInstanceOf(ServiceError);
    expect(outcome!.message).toBe(preview.message);
    if (Object.keys(outcome!.fieldErrors).length > 0) {
      expect(outcome!.fieldErrors[preview.field]).toContain(preview.message);
    }
    expect(after).toEqual(before);
    return;
  }
  expect(outcome, `the verb refused: ${outcome?.message}`).toBeNull();
  if (preview.kind === "none") {
    expect(after).toEqual(before);
    return;
  }
  const mine = (rows: typeof before) =>
    rows.find((r) => r.email === preview.customerEmail && r.plan === preview.planCode);
  const was = mine(before);
  const now = mine(after);
  expect(now, "the subscription exists afterwards").toBeDefined();
  expect(iso(preview.currentEnd)).toBe(iso(was?.sub.currentPeriodEnd));
  expect(iso(preview.newEnd)).toBe(iso(now!.sub.currentPeriodEnd));
  expect(preview.subscriptionStatusAfter).toBe(now!.sub.status);
  // Nothing else moved.
  expect(after.filter((r) => r !== now).map((r) => r.sub)).toEqual(
    before.filter((r) => r.sub.id !== now!.sub.id).map((r) => r.sub),
  );
}

describe("effect previews equal what the verbs then do", () => {
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

  type CreateCase = Omit<PreviewCreateInput, "customer"> & { customer?: PreviewCreateInput["customer"] };

  /** Previews a createPayment, runs it, checks the preview; returns the preview and the payment id. */
  async function create(c: CreateCase) {
    const input: PreviewCreateInput = { customer: customerId, ...c };
    const preview = await previewCreateEffect(t.db, input, clock.now());
    let paymentId: string | null = null;
    await expectPreviewHolds(t.db, preview, async () => {
      const r = await createPayment(ctx, {
        customer: typeof input.customer === "string" ? input.customer : input.customer.newCustomerEmail,
        plan: input.plan,
        kind: input.kind,
        amount: input.kind === "trial" ? "0" : "599.00",
        currency: "RUB",
        status: input.status,
        grantDays: input.grantDays ?? null,
        reason: "preview test",
      });
      paymentId = r.payment.id;
    });
    return { preview, paymentId: paymentId as unknown as string };
  }

  const paid = (extra: Partial<CreateCase> = {}) =>
    create({ plan: "premium", kind: "manual", status: "succeeded", ...extra });
  const trial = (plan = "premium") => create({ plan, kind: "trial", status: "succeeded" });

  async function transition(paymentId: string, target: PaymentStatus) {
    const preview = await previewTransitionEffect(t.db, paymentId, target, clock.now());
    await expectPreviewHolds(t.db, preview, () =>
      changePaymentStatus(ctx, { paymentId, status: target, reason: "preview test" }),
    );
    return preview;
  }

  async function refund(paymentId: string, amountMinor: bigint | null, revokeAccess = false) {
    const preview = await previewRefundEffect(t.db, paymentId, { amountMinor, revokeAccess }, clock.now());
    await expectPreviewHolds(t.db, preview, () =>
      refundPayment(ctx, {
        paymentId,
        amount: amountMinor === null ? null : formatMinor(amountMinor, "RUB"),
        revokeAccess,
        reason: "preview test",
      }),
    );
    return preview;
  }

  it("a first payment creates the subscription", async () => {
    const { preview } = await paid();
    expect(preview).toEqual({
      kind: "extend",
      customerEmail: "anna@example.com",
      planCode: "premium",
      planName: "Premium",
      days: 30,
      currentEnd: null,
      newEnd: new Date("2026-01-31T00:00:00.000Z"),
      subscriptionStatusAfter: "active",
    });
  });

  it("stacks on a running period, and starts from now on an expired one", async () => {
    await paid();
    clock.advanceDays(10);
    const stacked = await paid({ grantDays: 45 });
    expect(stacked.preview).toMatchObject({
      kind: "extend",
      days: 45,
      currentEnd: new Date("2026-01-31T00:00:00.000Z"),
      newEnd: new Date("2026-03-17T00:00:00.000Z"),
    });
    clock.advanceDays(100);
    const lapsed = await paid();
    expect(lapsed.preview).toMatchObject({
      kind: "extend",
      currentEnd: new Date("2026-03-17T00:00:00.000Z"),
      newEnd: new Date("2026-05-21T00:00:00.000Z"),
      subscriptionStatusAfter: "active",
    });
  });

  it("a trial is trialing; on top of a running paid period it is active; a second one is refused", async () => {
    const first = await trial("basic");
    expect(first.preview).toMatchObject({ kind: "extend", days: 7, subscriptionStatusAfter: "trialing" });
    await paid();
    const onPaid = await trial("premium");
    expect(onPaid.preview).toMatchObject({
      kind: "extend",
      days: 7,
      currentEnd: new Date("2026-01-31T00:00:00.000Z"),
      newEnd: new Date("2026-02-07T00:00:00.000Z"),
      subscriptionStatusAfter: "active",
    });
    clock.advanceDays(60);
    const again = await trial("basic");
    expect(again.preview).toMatchObject({ kind: "refused", field: "plan" });
    if (again.preview.kind === "refused") {
      expect(again.preview.message).toMatch(/^This customer has already had a trial of this plan \(payment /);
    }
  });

  it("a trial after a paid period has run out is trialing", async () => {
    await paid();
    clock.advanceDays(100);
    expect((await trial()).preview).toMatchObject({ kind: "extend", subscriptionStatusAfter: "trialing" });
  });

  it("pending, plan-less and refused creations", async () => {
    expect((await paid({ status: "pending" })).preview).toEqual({
      kind: "none",
      reason: "Nothing changes until the payment succeeds",
    });
    expect((await paid({ plan: null })).preview).toMatchObject({ kind: "none" });
    expect((await paid({ plan: "gold" })).preview).toEqual({
      kind: "refused",
      field: "plan",
      message: 'Unknown plan "gold"',
    });
    expect((await paid({ customer: "nobody@example.com" })).preview).toEqual({
      kind: "refused",
      field: "customer",
      message: 'No customer matches "nobody@example.com"',
    });
    await t.db.update(plans).set({ active: false }).where(eq(plans.code, "family"));
    expect((await paid({ plan: "family" })).preview).toMatchObject({ kind: "refused", field: "plan" });
    expect(
      await previewCreateEffect(
        t.db,
        { customer: customerId, plan: null, kind: "trial", status: "succeeded" },
        clock.now(),
      ),
    ).toEqual({ kind: "refused", field: "plan", message: "A trial needs a plan" });
  });

  it("a customer about to be created previews as one with no subscription", async () => {
    await paid(); // Anna's subscription must not leak into the new customer's preview
    const input: PreviewCreateInput = {
      customer: { newCustomerEmail: " Boris@Example.com " },
      plan: "premium",
      kind: "trial",
      status: "succeeded",
    };
    const preview = await previewCreateEffect(t.db, input, clock.now());
    expect(preview).toEqual({
      kind: "extend",
      customerEmail: "boris@example.com",
      planCode: "premium",
      planName: "Premium",
      days: 7,
      currentEnd: null,
      newEnd: new Date("2026-01-08T00:00:00.000Z"),
      subscriptionStatusAfter: "trialing",
    });
    await expectPreviewHolds(t.db, preview, async () => {
      const boris = await createCustomer(ctx, { email: "boris@example.com", name: "Boris" });
      await createPayment(ctx, {
        customer: boris.id,
        plan: "premium",
        kind: "trial",
        amount: "0",
        currency: "RUB",
        reason: "trial",
      });
    });
    // Now that Boris exists, typing his email as new is refused as createCustomer would.
    expect(await previewCreateEffect(t.db, input, clock.now())).toEqual({
      kind: "refused",
      field: "customer",
      message: "A customer with this email already exists",
    });
    expect(
      await previewCreateEffect(
        t.db,
        { ...input, customer: { newCustomerEmail: "not an email" } },
        clock.now(),
      ),
    ).toMatchObject({ kind: "refused", field: "customer" });
  });

  it("a pending payment succeeding extends; processing and failing change nothing", async () => {
    await paid();
    clock.advanceDays(3);
    const { paymentId } = await paid({ status: "pending" });
    expect(await transition(paymentId, "processing")).toEqual({
      kind: "none",
      reason: "Nothing changes until the payment succeeds",
    });
    expect(await transition(paymentId, "processing")).toMatchObject({ kind: "none" }); // no-op
    clock.advanceDays(1);
    expect(await transition(paymentId, "succeeded")).toMatchObject({
      kind: "extend",
      currentEnd: new Date("2026-01-31T00:00:00.000Z"),
      newEnd: new Date("2026-03-02T00:00:00.000Z"),
    });
    const { paymentId: other } = await paid({ status: "pending" });
    expect(await transition(other, "failed")).toMatchObject({ kind: "none" });
    expect(await transition(other, "succeeded")).toEqual({
      kind: "refused",
      field: "status",
      message: "A failed payment is final: create a new payment instead",
    });
  });

  it("refuses what the state machine refuses, with its message", async () => {
    const { paymentId } = await paid();
    expect(await transition(paymentId, "canceled")).toMatchObject({ kind: "refused", field: "status" });
    expect(await transition(paymentId, "refunded")).toEqual({
      kind: "refused",
      field: "status",
      message: "A payment becomes refunded only through a refund",
    });
    expect(await refund(paymentId, 60_000n)).toEqual({
      kind: "refused",
      field: "amount",
      message: "At most 599.00 RUB is left to refund",
    });
    const pending = await paid({ status: "pending" });
    expect(await refund(pending.paymentId, null)).toMatchObject({ kind: "refused", field: "_form" });
    const tr = await trial("basic");
    expect(await refund(tr.paymentId, null)).toMatchObject({ kind: "refused", field: "_form" });
    expect(
      await previewTransitionEffect(t.db, "00000000-0000-4000-8000-000000000000", "succeeded", clock.now()),
    ).toMatchObject({ kind: "refused", field: "paymentId" });
  });

  it("a full refund of the newest grant takes its days off the end", async () => {
    await paid();
    clock.advanceDays(10);
    const { paymentId } = await paid();
    clock.advanceDays(2);
    expect(await refund(paymentId, null)).toEqual({
      kind: "revoke",
      customerEmail: "anna@example.com",
      planCode: "premium",
      planName: "Premium",
      days: 30,
      currentEnd: new Date("2026-03-02T00:00:00.000Z"),
      newEnd: new Date("2026-01-31T00:00:00.000Z"),
      subscriptionStatusAfter: "active",
    });
  });

  it("a full refund of an older grant with a later one stacked keeps the later one's days", async () => {
    const { paymentId } = await paid();
    clock.advanceDays(29);
    await paid();
    clock.advanceDays(1);
    expect(await refund(paymentId, null)).toMatchObject({
      kind: "revoke",
      currentEnd: new Date("2026-03-02T00:00:00.000Z"),
      newEnd: new Date("2026-03-01T00:00:00.000Z"),
      subscriptionStatusAfter: "active",
    });
  });

  it("a full refund of the only grant expires the subscription", async () => {
    const { paymentId } = await paid();
    clock.advanceDays(5);
    expect(await refund(paymentId, null)).toMatchObject({
      kind: "revoke",
      newEnd: new Date(START),
      subscriptionStatusAfter: "expired",
    });
  });

  it("a partial refund keeps access unless revokeAccess; the rest then revokes nothing more", async () => {
    const { paymentId } = await paid();
    clock.advanceDays(3);
    expect(await refund(paymentId, 10_000n)).toEqual({
      kind: "none",
      reason: "Access stays: a partial refund keeps the grant",
    });
    expect(await refund(paymentId, 10_000n, true)).toMatchObject({
      kind: "revoke",
      days: 30,
      currentEnd: new Date("2026-01-31T00:00:00.000Z"),
      newEnd: new Date(START),
      subscriptionStatusAfter: "expired",
    });
    expect(await refund(paymentId, null)).toMatchObject({ kind: "none" });
    expect(await refund(paymentId, null)).toEqual({
      kind: "refused",
      field: "_form",
      message: "This payment is already fully refunded",
    });
  });

  it("an amount as typed is parsed as the refund verb parses it", async () => {
    const { paymentId } = await paid();
    const typed = (amount: string) =>
      previewRefundEffect(t.db, paymentId, { amount, revokeAccess: false }, clock.now());
    for (const amount of ["12.345", "abc", "-1"]) {
      const err = await refundPayment(ctx, { paymentId, amount, reason: "preview test" }).catch(
        (e: ServiceError) => e,
      );
      expect(await typed(amount)).toEqual({
        kind: "refused",
        field: "amount",
        message: (err as ServiceError).message,
      });
    }
    expect(await typed("100.00")).toEqual({
      kind: "none",
      reason: "Access stays: a partial refund keeps the grant",
    });
    expect(await typed("599.00")).toMatchObject({ kind: "revoke", days: 30 });
  });

  it("voiding a trial revokes it; on top of a paid period the paid days stay", async () => {
    const tr = await trial();
    clock.advanceDays(1);
    await paid();
    clock.advanceDays(1);
    expect(await transition(tr.paymentId, "canceled")).toMatchObject({
      kind: "revoke",
      days: 7,
      currentEnd: new Date("2026-02-07T00:00:00.000Z"),
      newEnd: new Date("2026-02-01T00:00:00.000Z"),
      subscriptionStatusAfter: "active",
    });
    const basic = await trial("basic");
    clock.advanceDays(2);
    expect(await transition(basic.paymentId, "canceled")).toMatchObject({
      kind: "revoke",
      subscriptionStatusAfter: "expired",
    });
  });

  it("after a refund, a paid period that has run out does not count as active", async () => {
    await paid(); // Jan 1 → Jan 31
    clock.advanceDays(40);
    await trial(); // Feb 10 → Feb 17, trialing
    clock.advanceDays(1);
    const { paymentId } = await paid(); // on top of the trial: active until Mar 19
    clock.advanceDays(1);
    expect(await refund(paymentId, null)).toMatchObject({
      kind: "revoke",
      newEnd: new Date("2026-02-17T00:00:00.000Z"),
      subscriptionStatusAfter: "trialing",
    });
  });

  it("a payment without a plan revokes nothing when refunded", async () => {
    const { paymentId } = await paid({ plan: null });
    expect(await refund(paymentId, null)).toMatchObject({ kind: "none" });
  });
});

type Op =
  | { t: "create"; plan: string | null; status: "pending" | "succeeded"; grantDays: number | null }
  | { t: "trial"; plan: string }
  | { t: "status"; slot: number; status: PaymentStatus }
  | { t: "refund"; slot: number; permille: number | null; revoke: boolean }
  | { t: "advance"; days: number };

const planArb = fc.constantFrom("basic", "premium");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("create" as const),
      plan: fc.oneof(planArb, planArb, planArb, fc.constant(null)),
      status: fc.constantFrom("pending" as const, "succeeded" as const),
      grantDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null, freq: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("trial" as const), plan: planArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("status" as const),
      slot: fc.nat({ max: 9 }),
      status: fc.constantFrom(...paymentStatuses),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("refund" as const),
      slot: fc.nat({ max: 9 }),
      permille: fc.option(fc.integer({ min: 1, max: 1_300 }), { nil: null, freq: 3 }),
      revoke: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("advance" as const), days: fc.integer({ min: 0, max: 40 }) }),
  },
);

describe("effect previews under random operation sequences", () => {
  it("every preview equals what the verb then does", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 16 }), async (ops) => {
        const t = await freshDatabase();
        try {
          const clock = clockAt(START);
          const { ctx, customer } = await baseline(t.db, clock);
          const ids: string[] = [];
          for (const op of ops) {
            const now = clock.now();
            if (op.t === "advance") {
              clock.advanceDays(op.days);
            } else if (op.t === "create" || op.t === "trial") {
              const trial = op.t === "trial";
              const input: PreviewCreateInput = trial
                ? { customer: customer.email, plan: op.plan, kind: "trial", status: "succeeded" }
                : {
                    customer: customer.id,
                    plan: op.plan,
                    kind: "manual",
                    status: op.status,
                    grantDays: op.grantDays,
                  };
              const preview = await previewCreateEffect(t.db, input, now);
              await expectPreviewHolds(t.db, preview, async () => {
                const r = await createPayment(ctx, {
                  customer: input.customer as string,
                  plan: input.plan,
                  kind: input.kind,
                  amount: trial ? "0" : "450.50",
                  currency: "RUB",
                  status: input.status,
                  grantDays: input.grantDays ?? null,
                  reason: "property",
                });
                ids.push(r.payment.id);
              });
            } else {
              const id = ids[op.slot % Math.max(ids.length, 1)];
              if (!id) continue;
              if (op.t === "status") {
                const preview = await previewTransitionEffect(t.db, id, op.status, now);
                await expectPreviewHolds(t.db, preview, () =>
                  changePaymentStatus(ctx, { paymentId: id, status: op.status, reason: "property" }),
                );
              } else {
                let amountMinor: bigint | null = null;
                if (op.permille !== null) {
                  const [p] = await t.db.select().from(payments).where(eq(payments.id, id));
                  const minor = ((p!.amountMinor - p!.refundedMinor) * BigInt(op.permille)) / 1000n;
                  amountMinor = minor > 0n ? minor : 1n;
                }
                const preview = await previewRefundEffect(
                  t.db,
                  id,
                  { amountMinor, revokeAccess: op.revoke },
                  now,
                );
                await expectPreviewHolds(t.db, preview, () =>
                  refundPayment(ctx, {
                    paymentId: id,
                    amount: amountMinor === null ? null : formatMinor(amountMinor, "RUB"),
                    revokeAccess: op.revoke,
                    reason: "property",
                  }),
                );
              }
            }
          }
        } finally {
          await t.close();
        }
      }),
      { numRuns: 20, interruptAfterTimeLimit: 180_000 },
    );
  });
});
