import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import {
  auditLog,
  customers,
  domainEvents,
  payments,
  refunds,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { ServiceError, type ServiceErrorCode } from "@/lib/errors";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { type CreatePaymentResult, createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { updatePayment } from "@/lib/payments/update";
import type { CreatePaymentInput } from "@/lib/validation/payment";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt, ctxFor, insertStaff } from "../support/fixtures";

async function counts(db: Db) {
  return {
    payments: await db.$count(payments),
    auditLog: await db.$count(auditLog),
    domainEvents: await db.$count(domainEvents),
    customers: await db.$count(customers),
    refunds: await db.$count(refunds),
    subscriptions: await db.$count(subscriptions),
    grants: await db.$count(subscriptionGrants),
  };
}

describe("bad input is refused with a typed error and writes nothing", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let customerId: string;
  let pending: CreatePaymentResult["payment"];
  let succeeded: CreatePaymentResult["payment"];

  beforeEach(async () => {
    t = await freshDatabase();
    const base = await baseline(t.db, clockAt("2026-01-01T00:00:00.000Z"));
    ctx = base.ctx;
    customerId = base.customer.id;
    const common = { customer: customerId, plan: "premium", currency: "RUB", reason: "bank transfer" };
    pending = (await createPayment(ctx, { ...common, amount: "599.00", status: "pending" })).payment;
    succeeded = (await createPayment(ctx, { ...common, amount: "599.00", status: "succeeded" })).payment;
  });
  afterEach(async () => {
    await t.close();
  });

  /** Runs `action`, expects a ServiceError with `code` (and exactly these field keys, when given), and no writes. */
  async function refused(action: () => Promise<unknown>, code: ServiceErrorCode, fields?: string[]) {
    const before = await counts(t.db);
    const paymentsBefore = await t.db.select().from(payments);
    const err = await action().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServiceError);
    const se = err as ServiceError;
    expect(se.code, se.message).toBe(code);
    expect(se.message.length).toBeGreaterThan(0);
    if (fields) {
      expect(Object.keys(se.fieldErrors).sort()).toEqual([...fields].sort());
      for (const f of fields) expect(se.fieldErrors[f]?.[0]?.length).toBeGreaterThan(0);
    }
    expect(await counts(t.db)).toEqual(before);
    const paymentsAfter = await t.db.select().from(payments);
    expect(paymentsAfter).toEqual(paymentsBefore);
    return se;
  }

  describe("createPayment", () => {
    const good = (): CreatePaymentInput => ({
      customer: customerId,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      reason: "bank transfer received",
    });

    it("accepts the good input it is varied from", async () => {
      const r = await createPayment(ctx, good());
      expect(r.created).toBe(true);
      expect(r.payment.amountMinor).toBe(59_900n);
    });

    it.each([
      ["12.345", /at most 2 decimal places/],
      ["1e3", /not a decimal amount/],
      ["-5", /negative/],
      ["NaN", /not a decimal amount/],
      ["", /Enter an amount/],
      ["10000000000000.01", /too large/],
    ])("refuses amount %j RUB", async (amount, message) => {
      const err = await refused(() => createPayment(ctx, { ...good(), amount }), "validation", ["amount"]);
      expect(err.fieldErrors.amount?.[0]).toMatch(message);
    });

    it("refuses a fractional amount in a currency without minor units", async () => {
      await refused(() => createPayment(ctx, { ...good(), amount: "100.5", currency: "JPY" }), "validation", [
        "amount",
      ]);
    });

    it("refuses an unknown currency", async () => {
      const err = await refused(() => createPayment(ctx, { ...good(), currency: "XXY" }), "validation", [
        "currency",
      ]);
      expect(err.fieldErrors.currency?.[0]).toMatch(/currency/i);
    });

    it("refuses a manual payment of 0", async () => {
      const err = await refused(() => createPayment(ctx, { ...good(), amount: "0.00" }), "validation", [
        "amount",
      ]);
      expect(err.fieldErrors.amount?.[0]).toMatch(/positive amount/);
    });

    it("refuses a trial with an amount", async () => {
      const err = await refused(
        () => createPayment(ctx, { ...good(), kind: "trial", amount: "5" }),
        "validation",
        ["amount"],
      );
      expect(err.fieldErrors.amount?.[0]).toMatch(/trial is free/);
    });

    it("refuses a trial without a plan", async () => {
      await refused(
        () => createPayment(ctx, { ...good(), kind: "trial", amount: "0", plan: null }),
        "validation",
        ["plan"],
      );
    });

    it("refuses a missing reason", async () => {
      const { reason: _omit, ...noReason } = good();
      await refused(() => createPayment(ctx, noReason as CreatePaymentInput), "validation", ["reason"]);
    });

    it("refuses a reason that is too short (after trimming)", async () => {
      const err = await refused(() => createPayment(ctx, { ...good(), reason: "  ok  " }), "validation", [
        "reason",
      ]);
      expect(err.fieldErrors.reason?.[0]).toMatch(/at least 3/);
    });

    it("refuses an unknown customer", async () => {
      const err = await refused(
        () => createPayment(ctx, { ...good(), customer: "nobody@example.com" }),
        "validation",
        ["customer"],
      );
      expect(err.fieldErrors.customer?.[0]).toMatch(/No customer/);
      await refused(() => createPayment(ctx, { ...good(), customer: randomUUID() }), "validation", [
        "customer",
      ]);
    });

    it("refuses an unknown plan", async () => {
      const err = await refused(() => createPayment(ctx, { ...good(), plan: "platinum" }), "validation", [
        "plan",
      ]);
      expect(err.fieldErrors.plan?.[0]).toMatch(/Unknown plan/);
    });

    it("refuses a NUL character in the description or the reason", async () => {
      await refused(() => createPayment(ctx, { ...good(), description: "bad\u0000text" }), "validation", [
        "description",
      ]);
      await refused(() => createPayment(ctx, { ...good(), reason: "bad\u0000reason" }), "validation", [
        "reason",
      ]);
    });

    it("refuses a NUL character in metadata", async () => {
      await refused(() => createPayment(ctx, { ...good(), metadata: { note: "a\u0000b" } }), "validation", [
        "metadata",
      ]);
    });

    it("refuses grantDays that are not a positive whole number", async () => {
      await refused(() => createPayment(ctx, { ...good(), grantDays: 0 }), "validation", ["grantDays"]);
      await refused(() => createPayment(ctx, { ...good(), grantDays: 1.5 }), "validation", ["grantDays"]);
    });
  });

  describe("changePaymentStatus", () => {
    it("refuses a malformed payment id", async () => {
      await refused(
        () => changePaymentStatus(ctx, { paymentId: "42", status: "succeeded", reason: "seen on statement" }),
        "validation",
        ["paymentId"],
      );
    });

    it("answers not_found for an unknown payment", async () => {
      await refused(
        () =>
          changePaymentStatus(ctx, {
            paymentId: randomUUID(),
            status: "succeeded",
            reason: "seen on statement",
          }),
        "not_found",
      );
    });

    it("refuses an unknown status", async () => {
      await refused(
        () =>
          changePaymentStatus(ctx, {
            paymentId: pending.id,
            status: "done" as "succeeded",
            reason: "seen on statement",
          }),
        "validation",
        ["status"],
      );
    });

    it("refuses a missing or too short reason", async () => {
      await refused(
        () =>
          changePaymentStatus(ctx, { paymentId: pending.id, status: "succeeded" } as Parameters<
            typeof changePaymentStatus
          >[1]),
        "validation",
        ["reason"],
      );
      await refused(
        () => changePaymentStatus(ctx, { paymentId: pending.id, status: "succeeded", reason: "ok" }),
        "validation",
        ["reason"],
      );
    });

    it("refuses a transition the state machine does not allow", async () => {
      await refused(
        () => changePaymentStatus(ctx, { paymentId: pending.id, status: "refunded", reason: "shortcut" }),
        "invalid_transition",
      );
      await refused(
        () => changePaymentStatus(ctx, { paymentId: succeeded.id, status: "pending", reason: "undo" }),
        "invalid_transition",
      );
      await refused(
        () => changePaymentStatus(ctx, { paymentId: succeeded.id, status: "canceled", reason: "undo" }),
        "invalid_transition",
      );
    });
  });

  describe("refundPayment", () => {
    it("refuses more than what is left to refund", async () => {
      const err = await refused(
        () => refundPayment(ctx, { paymentId: succeeded.id, amount: "599.01", reason: "customer asked" }),
        "validation",
        ["amount"],
      );
      expect(err.fieldErrors.amount?.[0]).toMatch(/599\.00/);
      await refundPayment(ctx, { paymentId: succeeded.id, amount: "500.00", reason: "customer asked" });
      const again = await refused(
        () => refundPayment(ctx, { paymentId: succeeded.id, amount: "100.00", reason: "customer asked" }),
        "validation",
        ["amount"],
      );
      expect(again.fieldErrors.amount?.[0]).toMatch(/99\.00/);
    });

    it("refuses a malformed or zero amount", async () => {
      for (const amount of ["abc", "1e3", "-5", "12.345", "0", "0.00"]) {
        await refused(
          () => refundPayment(ctx, { paymentId: succeeded.id, amount, reason: "customer asked" }),
          "validation",
          ["amount"],
        );
      }
    });

    it("refuses to refund a pending payment", async () => {
      const err = await refused(
        () => refundPayment(ctx, { paymentId: pending.id, reason: "customer asked" }),
        "invalid_transition",
      );
      expect(err.message).toMatch(/succeeded/);
    });

    it("refuses to refund a fully refunded payment again", async () => {
      await refundPayment(ctx, { paymentId: succeeded.id, reason: "customer asked" });
      await refused(
        () => refundPayment(ctx, { paymentId: succeeded.id, reason: "customer asked again" }),
        "invalid_transition",
      );
    });

    it("answers not_found for an unknown payment and refuses a malformed id", async () => {
      await refused(
        () => refundPayment(ctx, { paymentId: randomUUID(), reason: "customer asked" }),
        "not_found",
      );
      await refused(() => refundPayment(ctx, { paymentId: "nope", reason: "customer asked" }), "validation", [
        "paymentId",
      ]);
    });

    it("refuses a missing reason", async () => {
      await refused(
        () => refundPayment(ctx, { paymentId: succeeded.id } as Parameters<typeof refundPayment>[1]),
        "validation",
        ["reason"],
      );
    });
  });

  describe("updatePayment", () => {
    it("refuses an update that changes nothing", async () => {
      await refused(() => updatePayment(ctx, { paymentId: pending.id, reason: "tidy up" }), "validation", [
        "_form",
      ]);
    });

    it("refuses a NUL character in the description", async () => {
      await refused(
        () => updatePayment(ctx, { paymentId: pending.id, description: "a\u0000b", reason: "tidy up" }),
        "validation",
        ["description"],
      );
    });

    it("refuses oversized metadata", async () => {
      await refused(
        () =>
          updatePayment(ctx, { paymentId: pending.id, metadata: { blob: "x".repeat(9000) }, reason: "tidy" }),
        "validation",
        ["metadata"],
      );
    });

    it("refuses a missing reason", async () => {
      await refused(
        () =>
          updatePayment(ctx, { paymentId: pending.id, description: "new" } as Parameters<
            typeof updatePayment
          >[1]),
        "validation",
        ["reason"],
      );
    });

    it("answers not_found for an unknown payment", async () => {
      await refused(
        () => updatePayment(ctx, { paymentId: randomUUID(), description: "new", reason: "tidy up" }),
        "not_found",
      );
    });

    it("refuses a stale expected version", async () => {
      await refused(
        () =>
          updatePayment(ctx, {
            paymentId: pending.id,
            description: "new",
            expectedVersion: 7,
            reason: "tidy up",
          }),
        "conflict",
      );
    });
  });

  describe("createCustomer", () => {
    it("refuses an invalid email", async () => {
      await refused(() => createCustomer(ctx, { email: "not-an-email", name: "Someone" }), "validation", [
        "email",
      ]);
    });

    it("refuses a duplicate email in a different case", async () => {
      const err = await refused(
        () => createCustomer(ctx, { email: "  ANNA@Example.COM ", name: "Anna again" }),
        "validation",
        ["email"],
      );
      expect(err.fieldErrors.email?.[0]).toMatch(/already exists/);
    });

    it("refuses an empty name or a NUL character in it", async () => {
      await refused(() => createCustomer(ctx, { email: "boris@example.com", name: "   " }), "validation", [
        "name",
      ]);
      await refused(
        () => createCustomer(ctx, { email: "boris@example.com", name: "Bo\u0000ris" }),
        "validation",
        ["name"],
      );
    });
  });

  describe("permissions", () => {
    const ROLES: StaffRole[] = ["support", "auditor"];

    async function ctxAs(role: StaffRole): Promise<ServiceContext> {
      const user = await insertStaff(t.db, role);
      return ctxFor(t.db, { type: "staff", id: user.id, email: user.email, name: user.name, role });
    }

    it.each(ROLES)("a %s actor is forbidden every mutation", async (role) => {
      const as = await ctxAs(role);
      const forbidden = async (action: () => Promise<unknown>) => {
        const err = await refused(action, "forbidden");
        expect(err.message).toContain(role);
      };
      await forbidden(() =>
        createPayment(as, {
          customer: customerId,
          plan: "premium",
          amount: "599.00",
          currency: "RUB",
          reason: "bank transfer received",
        }),
      );
      await forbidden(() =>
        changePaymentStatus(as, { paymentId: pending.id, status: "succeeded", reason: "seen on statement" }),
      );
      await forbidden(() => refundPayment(as, { paymentId: succeeded.id, reason: "customer asked" }));
      await forbidden(() =>
        updatePayment(as, { paymentId: pending.id, description: "new", reason: "tidy up" }),
      );
      await forbidden(() => createCustomer(as, { email: "boris@example.com", name: "Boris" }));
    });

    it("the same mutations succeed for the admin (the refusals above are about the role)", async () => {
      const s = await changePaymentStatus(ctx, {
        paymentId: pending.id,
        status: "succeeded",
        reason: "seen on statement",
      });
      expect(s.changed).toBe(true);
      const r = await refundPayment(ctx, { paymentId: succeeded.id, reason: "customer asked" });
      expect(r.payment.status).toBe("refunded");
      const u = await updatePayment(ctx, { paymentId: pending.id, description: "new", reason: "tidy up" });
      expect(u.changed).toBe(true);
      const c = await createCustomer(ctx, { email: "boris@example.com", name: "Boris" });
      expect(c.email).toBe("boris@example.com");
    });
  });
});
