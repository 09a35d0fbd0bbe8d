import { asc, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/v1/customers/[ref]/entitlements/route";
import type { Db } from "@/db/client";
import { type Customer, payments, plans, subscriptionGrants, subscriptions } from "@/db/schema";
import { customerEntitlementsSchema } from "@/lib/api/schemas";
import { createApiKey } from "@/lib/api-keys/create";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { getCustomerProfile } from "@/lib/customers/profile";
import { withEntitlements } from "@/lib/entitlements/compute";
import { isServiceError } from "@/lib/errors";
import { formatMinor } from "@/lib/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { replayGrants } from "@/lib/subscriptions/arithmetic";
import { useActionDb as actionsUse, resetActionSession } from "../support/action-session";
import { freshDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

const DAY = 86_400_000;
const PLANS = ["basic", "premium", "family"] as const;
const PRICE: Record<(typeof PLANS)[number], number> = { basic: 29_900, premium: 59_900, family: 89_900 };

type Op =
  | {
      t: "pay";
      who: number;
      plan: (typeof PLANS)[number];
      status: "pending" | "succeeded";
      days: number | null;
    }
  | { t: "trial"; who: number; plan: (typeof PLANS)[number] }
  | { t: "succeed"; slot: number }
  | { t: "refund"; slot: number; permille: number | null; revoke: boolean }
  | { t: "cancel"; slot: number }
  | { t: "advance"; days: number };

const who = fc.nat({ max: 2 });
const plan = fc.constantFrom(...PLANS);
const slot = fc.nat({ max: 11 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("pay" as const),
      who,
      plan,
      status: fc.constantFrom("pending" as const, "succeeded" as const, "succeeded" as const),
      days: fc.option(fc.integer({ min: 1, max: 45 }), { nil: null, freq: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("trial" as const), who, plan }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("succeed" as const), slot }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("refund" as const),
      slot,
      permille: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
      revoke: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel" as const), slot }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 8 }) }),
  },
);

const refArb = fc.constantFrom("id" as const, "email" as const, "externalRef" as const);

async function apply(op: Op, ctx: ServiceContext, customers: Customer[], ids: string[]) {
  const pick = (n: number) => ids[n % Math.max(ids.length, 1)];
  switch (op.t) {
    case "pay": {
      const r = await createPayment(ctx, {
        customer: customers[op.who]!.id,
        plan: op.plan,
        amount: formatMinor(BigInt(PRICE[op.plan]), "RUB"),
        currency: "RUB",
        status: op.status,
        grantDays: op.days,
        reason: "entitlements property",
      });
      ids.push(r.payment.id);
      return;
    }
    case "trial": {
      const r = await createPayment(ctx, {
        customer: customers[op.who]!.id,
        plan: op.plan,
        kind: "trial",
        amount: "0",
        currency: "RUB",
        reason: "entitlements property trial",
      });
      ids.push(r.payment.id);
      return;
    }
    case "succeed":
    case "cancel": {
      const id = pick(op.slot);
      if (!id) return;
      await changePaymentStatus(ctx, {
        paymentId: id,
        status: op.t === "succeed" ? "succeeded" : "canceled",
        reason: "entitlements property status",
      });
      return;
    }
    case "refund": {
      const id = pick(op.slot);
      if (!id) return;
      let amount: string | null = null;
      if (op.permille !== null) {
        const [p] = await ctx.db.select().from(payments).where(eq(payments.id, id));
        const minor = ((p!.amountMinor - p!.refundedMinor) * BigInt(op.permille)) / 1000n;
        amount = formatMinor(minor > 0n ? minor : 1n, "RUB");
      }
      await refundPayment(ctx, {
        paymentId: id,
        amount,
        revokeAccess: op.revoke,
        reason: "entitlements property",
      });
      return;
    }
    case "advance":
      return;
  }
}

/** The answer rebuilt from the tables alone, without any of the code under test. */
async function fromTables(db: Db, customerId: string, now: Date) {
  const rows = await db
    .select({ sub: subscriptions, code: plans.code })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.customerId, customerId))
    .orderBy(asc(plans.code));
  const out = [];
  for (const { sub, code } of rows) {
    const running = ["active", "trialing", "past_due"].includes(sub.status);
    const status = running && sub.currentPeriodEnd.getTime() <= now.getTime() ? "expired" : sub.status;
    // The end the API reports is the one the ledger explains, whenever a grant still counts.
    const live = await db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.subscriptionId, sub.id))
      .then((gs) => gs.filter((g) => g.revokedAt === null));
    if (live.length > 0) expect(replayGrants(live)?.toISOString()).toBe(sub.currentPeriodEnd.toISOString());
    out.push({
      plan: code,
      status,
      validUntil: sub.currentPeriodEnd.toISOString(),
      trial: status === "trialing",
    });
  }
  return out;
}

async function call(ref: string, key: string) {
  const res = await GET(
    new Request(`http://paydesk.test/api/v1/customers/${encodeURIComponent(ref)}/entitlements`, {
      headers: { authorization: `Bearer ${key}` },
    }),
    { params: Promise.resolve({ ref }) },
  );
  return { status: res.status, contentType: res.headers.get("content-type"), body: await res.json() };
}

describe("entitlements API ≡ customer page, for random ledgers", () => {
  const saved = process.env.API_RATE_LIMIT_PER_MINUTE;
  beforeAll(() => {
    // These runs make far more requests a minute than the default budget allows.
    process.env.API_RATE_LIMIT_PER_MINUTE = "1000000";
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.API_RATE_LIMIT_PER_MINUTE;
    else process.env.API_RATE_LIMIT_PER_MINUTE = saved;
    resetActionSession();
  });

  it("answers what the page shows and what the tables say", { timeout: 240_000 }, async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 16 }),
        fc.array(refArb, { minLength: 3, maxLength: 3 }),
        async (ops, refKinds) => {
          const t = await freshDatabase();
          try {
            // The route reads the real clock: the ledger is written in the past, half a day off
            // the real clock's grid so no period ends in the moments between the two reads.
            // 20 days back: 30-day periods bought early still run, 7-day trials and short grants
            // from then have ended, and advancing the clock moves grants closer to now.
            const start = Date.now() - 20 * DAY - DAY / 2;
            const clock = clockAt(new Date(start));
            const { ctx } = await baseline(t.db, clock);
            const customers = [];
            for (let i = 0; i < 3; i++) {
              customers.push(
                await createCustomer(ctx, {
                  email: `Customer.${i}@Example.com`,
                  name: `Customer ${i}`,
                  externalRef: i === 2 ? null : `ext-${i}`,
                }),
              );
            }
            const { key } = await createApiKey(ctx, { name: "property" });
            actionsUse(t.db);
            const ids: string[] = [];
            for (const op of ops) {
              if (op.t === "advance") {
                // Never into the real future: grants are made "before now".
                const room = Math.floor((Date.now() - clock.now().getTime()) / DAY) - 1;
                clock.advanceDays(Math.max(Math.min(op.days, room), 0));
                continue;
              }
              try {
                await apply(op, ctx, customers, ids);
              } catch (err) {
                // Refusals (a second trial, a refund of nothing, …) leave the ledger as it was.
                if (!isServiceError(err)) throw err;
              }
            }

            for (const [i, customer] of customers.entries()) {
              const kind = refKinds[i]!;
              const ref =
                kind === "id"
                  ? customer.id
                  : kind === "email" || customer.externalRef === null
                    ? customer.email.toUpperCase()
                    : customer.externalRef;
              const answer = await call(ref, key);
              const now = new Date();
              expect(answer.status).toBe(200);
              const body = customerEntitlementsSchema.parse(answer.body);
              expect(body.customer).toEqual({ id: customer.id, externalRef: customer.externalRef });

              // What app/(admin)/customers/[id]/page.tsx shows for this customer.
              const profile = await getCustomerProfile(t.db, customer.id, now);
              const page = withEntitlements(profile!.subscriptions, now).map((s) => ({
                plan: s.plan.code,
                status: s.status,
                validUntil: s.currentPeriodEnd.toISOString(),
                trial: s.status === "trialing",
              }));
              expect(body.entitlements).toEqual(page);
              for (const e of body.entitlements) seen.add(e.status);
              expect(body.entitlements).toEqual(await fromTables(t.db, customer.id, now));
            }
            // Nothing of another customer leaks in: every subscription is answered exactly once.
            const total = await t.db.$count(subscriptions);
            const answered = await Promise.all(
              customers.map(async (c) => (await call(c.id, key)).body.entitlements.length as number),
            );
            expect(answered.reduce((a, b) => a + b, 0)).toBe(total);
          } finally {
            await t.close();
          }
        },
      ),
      { numRuns: 15, interruptAfterTimeLimit: 180_000 },
    );
    // The runs met the states that matter, so the equality above was not checked on empty lists only.
    expect([...seen]).toEqual(expect.arrayContaining(["active", "expired"]));
  });

  it("never answers 500 to any reference", { timeout: 120_000 }, async () => {
    const t = await freshDatabase();
    try {
      const { ctx, customer } = await baseline(t.db);
      const { key } = await createApiKey(ctx, { name: "fuzz" });
      actionsUse(t.db);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ unit: "binary", maxLength: 300 }),
            fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }),
            fc.emailAddress(),
            fc.uuid(),
            fc.constant(customer.email),
          ),
          async (ref) => {
            const res = await GET(
              new Request("http://paydesk.test/api/v1/customers/x/entitlements", {
                headers: { authorization: `Bearer ${key}` },
              }),
              { params: Promise.resolve({ ref }) },
            );
            expect([200, 400, 404]).toContain(res.status);
            if (res.status !== 200) expect(res.headers.get("content-type")).toBe("application/problem+json");
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await t.close();
    }
  });
});
