import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queryRows } from "@/db/rows";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { ServiceError } from "@/lib/errors";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment, recordProviderPayment } from "@/lib/payments/create";
import { updatePayment } from "@/lib/payments/update";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

/** Input that Postgres would reject or silently alter must be refused as a validation error, never reach the database. */
describe("text the database cannot keep exactly", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;

  beforeEach(async () => {
    t = await freshDatabase();
    ({ ctx } = await baseline(t.db, clockAt("2026-05-01T00:00:00.000Z")));
  });
  afterEach(async () => {
    await t.close();
  });

  async function paymentCount(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from payments`);
    return Number(row?.n);
  }

  const base = {
    customer: "anna@example.com",
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    reason: "transfer",
  };

  it.each([
    ["reason", { reason: "why \ud800 not" }],
    ["description", { description: "lone \udc00 surrogate" }],
    ["description", { description: "nul \u0000 byte" }],
    ["customer", { customer: "anna\u0000@example.com" }],
    ["plan", { plan: "prem\u0000ium" }],
    ["idempotencyKey", { idempotencyKey: "key-with-\u0000-nul" }],
    ["metadata", { metadata: { note: "bad \ud800" } }],
    ["metadata", { metadata: { "k\ud800": "v" } }],
    ["metadata", { metadata: { nested: { deep: ["x\u0000"] } } }],
  ])("refuses %s with %j", async (field, patch) => {
    const err = await createPayment(ctx, { ...base, ...patch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe("validation");
    expect(Object.keys((err as ServiceError).fieldErrors)).toContain(field);
    expect(await paymentCount()).toBe(0);
  });

  it("keeps the audit chain verifiable when request metadata carries odd characters", async () => {
    const odd: ServiceContext = {
      ...ctx,
      userAgent: "agent \ud800 with \u0000 oddities",
      requestId: "req-\udfff",
    };
    const { payment } = await createPayment(odd, { ...base, status: "pending" });
    await changePaymentStatus(odd, { paymentId: payment.id, status: "succeeded", reason: "arrived" });
    const result = await verifyAuditChain(t.db);
    expect(result.firstBroken).toBeNull();
    expect(result.ok).toBe(true);
  });

  it("validates what a provider reports before it reaches the database", async () => {
    const good = {
      provider: "stripe" as const,
      providerPaymentId: "pi_123",
      customer: "anna@example.com",
      plan: "premium",
      amountMinor: 59_900n,
      currency: "RUB",
      status: "pending" as const,
    };
    const cases: [string, Record<string, unknown>][] = [
      ["description", { description: "nul \u0000" }],
      ["amountMinor", { amountMinor: 2n ** 63n }],
      ["amountMinor", { amountMinor: -1n }],
      ["metadata", { metadata: { x: "\ud800" } }],
      ["currency", { currency: "XAU" }],
      ["providerPaymentId", { providerPaymentId: "" }],
    ];
    const system: ServiceContext = { ...ctx, actor: { type: "system", id: "system:stripe" } };
    for (const [field, patch] of cases) {
      const err = await recordProviderPayment(system, { ...good, ...patch } as typeof good).catch(
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code, field).toBe("validation");
      expect(Object.keys((err as ServiceError).fieldErrors), field).toContain(field);
    }
    expect(await paymentCount()).toBe(0);
    const ok = await recordProviderPayment(system, good);
    expect(ok.created).toBe(true);
    const again = await recordProviderPayment(system, good);
    expect(again).toMatchObject({ created: false, payment: { id: ok.payment.id } });
  });

  it("treats metadata with the same content in another key order as unchanged", async () => {
    const { payment } = await createPayment(ctx, { ...base, metadata: { a: 1, b: { c: 2, d: 3 } } });
    const res = await updatePayment(ctx, {
      paymentId: payment.id,
      metadata: { b: { d: 3, c: 2 }, a: 1 },
      reason: "same content",
    });
    expect(res.changed).toBe(false);
    expect(res.payment.version).toBe(payment.version);
  });
});
