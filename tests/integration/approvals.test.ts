import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approvalRequests, approvalRules, auditLog, domainEvents, payments, refunds } from "@/db/schema";
import { approveRequest, rejectRequest } from "@/lib/approvals/decide";
import { expireApprovalRequests } from "@/lib/approvals/expire";
import { approvalCounts, markOutcomesSeen } from "@/lib/approvals/queries";
import { createRule, deleteRule, updateRule } from "@/lib/approvals/rules";
import type { Actor, ServiceContext } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { createPayment, recordProviderPayment, submitPayment } from "@/lib/payments/create";
import { refundPayment, submitRefund } from "@/lib/payments/refund";
import { freshDatabase, type TestDatabase } from "../support/db";
import { rowCounts } from "../support/db-snapshot";
import { baseline, type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";
import { refusal } from "../support/refusal";

type StaffActor = Extract<Actor, { type: "staff" }>;

function actorOf(row: {
  id: string;
  email: string;
  name: string;
  role: "admin" | "support" | "auditor";
}): StaffActor {
  return { type: "staff", id: row.id, email: row.email, name: row.name, role: row.role };
}

function held<T extends { status: string }>(result: T) {
  if (result.status !== "awaiting_approval")
    throw new Error(`expected awaiting approval, got ${result.status}`);
  return result as Extract<T, { status: "awaiting_approval" }>;
}

async function requestCount(db: TestDatabase["db"]): Promise<number> {
  const [row] = await db.select({ n: count() }).from(approvalRequests);
  return Number(row?.n ?? 0);
}

describe("four-eyes approvals", () => {
  let t: TestDatabase;
  let clock: Clock;
  let a: ServiceContext; // the requester
  let b: ServiceContext; // a second admin
  let customerEmail: string;
  let bAdmin: StaffActor;

  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  beforeEach(async () => {
    // Each test gets its own admins and customer; the rules are reset to the migration's defaults.
    n++;
    clock = clockAt(`2026-03-0${(n % 9) + 1}T10:00:00.000Z`);
    await t.db.delete(approvalRules);
    await t.db.insert(approvalRules).values([
      { kind: "payment.create", currency: "RUB", thresholdMinor: 1_000_000n },
      { kind: "payment.refund_full", currency: "RUB", thresholdMinor: 1_000_000n },
      { kind: "subscription.grant", days: 90 },
    ]);
    const base = n === 1 ? await baseline(t.db, clock) : null;
    const adminA = base?.admin ?? (await insertStaff(t.db, "admin", `a-${n}@paydesk.test`));
    const adminB = await insertStaff(t.db, "admin", `b-${n}@paydesk.test`);
    a = ctxFor(t.db, actorOf(adminA), { now: clock.now, via: "web" });
    bAdmin = actorOf(adminB);
    b = ctxFor(t.db, bAdmin, { now: clock.now, via: "web" });
    customerEmail = `customer-${n}@example.com`;
    const { createCustomer } = await import("@/lib/customers/create");
    await createCustomer(a, { email: customerEmail, name: `Customer ${n}` });
  });

  const big = (extra: Record<string, unknown> = {}) => ({
    customer: customerEmail,
    plan: "premium",
    amount: "15000.00",
    currency: "RUB",
    status: "succeeded" as const,
    method: "bank_transfer" as const,
    reason: "Annual contract paid by transfer",
    ...extra,
  });

  describe("matching, per rule and currency", () => {
    it("holds a manual payment at or above its currency's threshold, not below, not in a currency without a rule", async () => {
      expect((await submitPayment(a, big({ amount: "10000.00" }))).status).toBe("awaiting_approval");
      expect((await submitPayment(a, big({ amount: "9999.99" }))).status).toBe("applied");
      expect((await submitPayment(a, big({ amount: "15000.00", currency: "USD", plan: null }))).status).toBe(
        "applied",
      );
      // The admin adds a USD threshold (100.00 USD): the same payment is now held.
      await createRule(a, { kind: "payment.create", currency: "usd", thresholdMinor: "10000" });
      expect((await submitPayment(a, big({ amount: "100.00", currency: "USD", plan: null }))).status).toBe(
        "awaiting_approval",
      );
      expect((await submitPayment(a, big({ amount: "99.99", currency: "USD", plan: null }))).status).toBe(
        "applied",
      );
    });

    it("holds a grant of more than 90 days (a small payment or a trial), not 90", async () => {
      const r91 = held(await submitPayment(a, big({ amount: "599.00", grantDays: 91 })));
      const [row] = await t.db
        .select()
        .from(approvalRequests)
        .where(eq(approvalRequests.id, r91.approvalRequestId));
      expect(row?.matchedRules).toEqual([expect.objectContaining({ kind: "subscription.grant", days: 90 })]);
      expect((await submitPayment(a, big({ amount: "599.00", grantDays: 90 }))).status).toBe("applied");
      expect(
        (await submitPayment(a, { ...big({ amount: "0", kind: "trial", grantDays: 120 }), method: null }))
          .status,
      ).toBe("awaiting_approval");
    });

    it("never holds providers, the demo seed, or a disabled rule", async () => {
      const requestsBefore = await requestCount(t.db);
      const provider = ctxFor(
        t.db,
        { type: "system", id: "system:stripe" },
        { now: clock.now, via: "webhook" },
      );
      const recorded = await recordProviderPayment(provider, {
        provider: "stripe",
        providerPaymentId: `pi_big_${n}`,
        customer: customerEmail,
        plan: "premium",
        amountMinor: 5_000_000n,
        currency: "RUB",
        status: "pending",
      });
      expect(recorded.created).toBe(true);
      const seed = ctxFor(t.db, a.actor, { now: clock.now, via: "seed" });
      expect((await createPayment(seed, big())).payment.amountMinor).toBe(1_500_000n);

      const [rub] = await t.db
        .select()
        .from(approvalRules)
        .where(and(eq(approvalRules.kind, "payment.create"), eq(approvalRules.currency, "RUB")));
      await updateRule(a, { id: rub!.id, enabled: false });
      expect((await submitPayment(a, big())).status).toBe("applied");
      expect(await requestCount(t.db)).toBe(requestsBefore);
    });

    it("holds a full refund at or above the threshold; never a partial one", async () => {
      const seed = ctxFor(t.db, a.actor, { now: clock.now, via: "seed" });
      const { payment } = await createPayment(seed, big());
      expect(
        (await submitRefund(a, { paymentId: payment.id, amount: null, reason: "Customer left" })).status,
      ).toBe("awaiting_approval");
      const partial = await submitRefund(a, {
        paymentId: payment.id,
        amount: "14999.99",
        reason: "Most of it",
      });
      expect(partial.status).toBe("applied");
      // What is left (0.01 RUB) is a full refund below the threshold.
      expect(
        (await submitRefund(a, { paymentId: payment.id, amount: null, reason: "The rest" })).status,
      ).toBe("applied");
    });
  });

  it("a held payment writes the request, its audit entry and its event, and nothing else", async () => {
    const before = await rowCounts(t.db);
    const requestsBefore = await requestCount(t.db);
    const result = held(await submitPayment(a, big()));
    expect(result.approvalRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.expiresAt.getTime() - clock.now().getTime()).toBe(7 * 86_400_000);
    const after = await rowCounts(t.db);
    expect(after).toEqual({
      ...before,
      audit_log: before.audit_log + 1,
      domain_events: before.domain_events + 1,
    });
    expect(await requestCount(t.db)).toBe(requestsBefore + 1);

    const [request] = await t.db
      .select()
      .from(approvalRequests)
      .where(eq(approvalRequests.id, result.approvalRequestId));
    expect(request).toMatchObject({
      status: "pending",
      action: "payment.create",
      requestedBy: a.actor.id,
      reason: "Annual contract paid by transfer",
      input: expect.objectContaining({ amount: "15000.00", currency: "RUB", plan: "premium" }),
    });
    // The preview the form shows: the premium subscription extended by 30 days.
    expect(request?.preview).toMatchObject({
      action: "payment.create",
      effect: { kind: "extend", planCode: "premium", days: 30 },
    });
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.entityType, "approval_request"), eq(auditLog.entityId, result.approvalRequestId)),
      );
    expect(entry).toMatchObject({ action: "approval.request", actorId: a.actor.id });
    const [event] = await t.db
      .select()
      .from(domainEvents)
      .where(eq(domainEvents.aggregateId, result.approvalRequestId));
    expect(event?.type).toBe("approval.requested");
  });

  it("the plain verb refuses a matching staff payment or full refund and writes nothing", async () => {
    const before = await rowCounts(t.db);
    expect(await refusal(createPayment(a, big()))).toMatchObject({ code: "forbidden" });
    const seed = ctxFor(t.db, a.actor, { now: clock.now, via: "seed" });
    const { payment } = await createPayment(seed, big());
    const mid = await rowCounts(t.db);
    expect(mid.payments).toBe(before.payments + 1);
    expect(await refusal(refundPayment(a, { paymentId: payment.id, reason: "Customer left" }))).toMatchObject(
      {
        code: "forbidden",
      },
    );
    expect(await rowCounts(t.db)).toEqual(mid);
  });

  it("a second admin's approval applies it once, as the requester's action, approved by them", async () => {
    const { approvalRequestId } = held(await submitPayment(a, big()));
    const paymentsBefore = (await rowCounts(t.db)).payments;
    const { request } = await approveRequest(b, { id: approvalRequestId, reason: "Contract checked" });
    expect(request).toMatchObject({
      status: "approved",
      decidedBy: bAdmin.id,
      decisionReason: "Contract checked",
    });
    const paymentId = (request.result as { paymentId: string }).paymentId;
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, paymentId));
    expect(payment).toMatchObject({
      amountMinor: 1_500_000n,
      status: "succeeded",
      createdByStaffId: a.actor.id,
    });
    expect((await rowCounts(t.db)).payments).toBe(paymentsBefore + 1);

    const [created] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, paymentId), eq(auditLog.action, "payment.create")));
    expect(created).toMatchObject({ actorId: a.actor.id });
    expect(created?.after).toMatchObject({
      approval: { requestId: approvalRequestId, approvedBy: { id: bAdmin.id, email: bAdmin.email } },
    });
    const [approval] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, approvalRequestId), eq(auditLog.action, "approval.approve")));
    expect(approval).toMatchObject({ actorId: bAdmin.id, reason: "Contract checked" });
    const events = await t.db
      .select()
      .from(domainEvents)
      .where(eq(domainEvents.aggregateId, approvalRequestId));
    expect(events.map((e) => e.type)).toEqual(["approval.requested", "approval.approved"]);

    // A second click finds it decided: nothing more is applied.
    expect(await refusal(approveRequest(b, { id: approvalRequestId, reason: "Again" }))).toMatchObject({
      code: "conflict",
    });
    expect((await rowCounts(t.db)).payments).toBe(paymentsBefore + 1);
  });

  it("the requester can never decide their own request; support cannot decide at all", async () => {
    const { approvalRequestId } = held(await submitPayment(a, big()));
    const support = actorOf(await insertStaff(t.db, "support"));
    const before = await rowCounts(t.db);
    expect(
      await refusal(approveRequest(a, { id: approvalRequestId, reason: "Looks fine to me" })),
    ).toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/different admin/),
    });
    expect(await refusal(rejectRequest(a, { id: approvalRequestId, reason: "Withdrawn" }))).toMatchObject({
      code: "forbidden",
    });
    expect(
      await refusal(
        approveRequest(ctxFor(t.db, support), { id: approvalRequestId, reason: "Support says ok" }),
      ),
    ).toMatchObject({ code: "forbidden" });
    expect(await rowCounts(t.db)).toEqual(before);
    const [row] = await t.db
      .select()
      .from(approvalRequests)
      .where(eq(approvalRequests.id, approvalRequestId));
    expect(row?.status).toBe("pending");
  });

  it("fails instead of applying a stale refund (the payment was partly refunded meanwhile)", async () => {
    const seed = ctxFor(t.db, a.actor, { now: clock.now, via: "seed" });
    const { payment } = await createPayment(seed, big());
    const { approvalRequestId } = held(
      await submitRefund(a, { paymentId: payment.id, reason: "Customer left" }),
    );
    await submitRefund(a, { paymentId: payment.id, amount: "100.00", reason: "Goodwill" });
    const refundsBefore = (await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id))).length;

    const err = await refusal(approveRequest(b, { id: approvalRequestId, reason: "Approved" }));
    expect(err.code).toBe("conflict");
    expect(err.message).toMatch(/state changed.*refundedMinor/);
    const [row] = await t.db
      .select()
      .from(approvalRequests)
      .where(eq(approvalRequests.id, approvalRequestId));
    expect(row).toMatchObject({
      status: "failed",
      decidedBy: bAdmin.id,
      failure: expect.stringMatching(/refundedMinor/),
    });
    const [p] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(p).toMatchObject({ status: "partially_refunded", refundedMinor: 10_000n });
    expect((await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id))).length).toBe(
      refundsBefore,
    );
    const [fail] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, approvalRequestId), eq(auditLog.action, "approval.fail")));
    expect(fail?.actorId).toBe(bAdmin.id);
    const events = await t.db
      .select()
      .from(domainEvents)
      .where(eq(domainEvents.aggregateId, approvalRequestId));
    expect(events.map((e) => e.type)).toEqual(["approval.requested", "approval.failed"]);
  });

  it("fails instead of applying a stale payment (the customer's subscription moved)", async () => {
    const { approvalRequestId } = held(await submitPayment(a, big()));
    // Meanwhile a small payment extends the same subscription.
    await submitPayment(a, big({ amount: "599.00" }));
    const paymentsBefore = (await rowCounts(t.db)).payments;
    const err = await refusal(approveRequest(b, { id: approvalRequestId, reason: "Approved" }));
    expect(err.message).toMatch(/effect\.currentEnd/);
    expect((await rowCounts(t.db)).payments).toBe(paymentsBefore);
    const [row] = await t.db
      .select()
      .from(approvalRequests)
      .where(eq(approvalRequests.id, approvalRequestId));
    expect(row?.status).toBe("failed");
  });

  it("an approved full refund is the requester's, names the approver, and is applied once", async () => {
    const seed = ctxFor(t.db, a.actor, { now: clock.now, via: "seed" });
    const { payment } = await createPayment(seed, big());
    const { approvalRequestId } = held(
      await submitRefund(a, { paymentId: payment.id, reason: "Customer left" }),
    );
    clock.advanceDays(1);
    await approveRequest(b, { id: approvalRequestId, reason: "Refund agreed" });
    const [p] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(p).toMatchObject({ status: "refunded", refundedMinor: 1_500_000n });
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, payment.id), eq(auditLog.action, "payment.refund")));
    expect(entry).toMatchObject({ actorId: a.actor.id, reason: "Customer left" });
    expect(entry?.after).toMatchObject({
      approval: { requestId: approvalRequestId, approvedBy: { id: bAdmin.id } },
    });
  });

  it("reject needs a reason, keeps the request, applies nothing", async () => {
    const { approvalRequestId } = held(await submitPayment(a, big()));
    const before = await rowCounts(t.db);
    expect(await refusal(rejectRequest(b, { id: approvalRequestId, reason: "" }))).toMatchObject({
      code: "validation",
    });
    expect(await rowCounts(t.db)).toEqual(before);
    const { request } = await rejectRequest(b, { id: approvalRequestId, reason: "No contract on file" });
    expect(request).toMatchObject({
      status: "rejected",
      decidedBy: bAdmin.id,
      decisionReason: "No contract on file",
    });
    const after = await rowCounts(t.db);
    expect(after.payments).toBe(before.payments);
    expect(
      await refusal(approveRequest(b, { id: approvalRequestId, reason: "Changed my mind" })),
    ).toMatchObject({
      code: "conflict",
    });
    expect((await rowCounts(t.db)).payments).toBe(before.payments);
  });

  it("expires after 7 days: by the job, and when someone tries to approve it late", async () => {
    const first = held(await submitPayment(a, big()));
    const second = held(await submitPayment(a, big({ amount: "20000.00" })));
    expect(
      (await expireApprovalRequests(t.db, { now: new Date(clock.now().getTime() + 6 * 86_400_000) })).ids,
    ).not.toContain(first.approvalRequestId);
    clock.advanceDays(7);
    // Approving the second one late closes it as expired and applies nothing.
    const paymentsBefore = (await rowCounts(t.db)).payments;
    expect(await refusal(approveRequest(b, { id: second.approvalRequestId, reason: "Late" }))).toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/expired/),
    });
    expect((await rowCounts(t.db)).payments).toBe(paymentsBefore);
    const job = await expireApprovalRequests(t.db, { now: clock.now() });
    expect(job.ids).toContain(first.approvalRequestId);
    expect(job.ids).not.toContain(second.approvalRequestId);
    for (const id of [first.approvalRequestId, second.approvalRequestId]) {
      const [row] = await t.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
      expect(row?.status).toBe("expired");
      const events = await t.db.select().from(domainEvents).where(eq(domainEvents.aggregateId, id));
      expect(events.map((e) => e.type)).toEqual(["approval.requested", "approval.expired"]);
    }
    const [byJob] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, first.approvalRequestId), eq(auditLog.action, "approval.expire")));
    expect(byJob?.actorId).toBe("system:scheduler");
    expect((await expireApprovalRequests(t.db, { now: clock.now() })).expired).toBe(0);
  });

  it("counts what awaits the viewer and tells the requester their outcomes once", async () => {
    const { approvalRequestId } = held(await submitPayment(a, big()));
    const now = clock.now();
    expect(await approvalCounts(t.db, bAdmin.id, now)).toMatchObject({ awaitingYou: expect.any(Number) });
    const forB = await approvalCounts(t.db, bAdmin.id, now);
    const forA = await approvalCounts(t.db, a.actor.id, now);
    expect(forB.awaitingYou).toBeGreaterThan(forA.awaitingYou);
    await rejectRequest(b, { id: approvalRequestId, reason: "Not this month" });
    expect((await approvalCounts(t.db, a.actor.id, now)).yoursDecided).toBeGreaterThanOrEqual(1);
    await markOutcomesSeen(t.db, a.actor.id, now);
    expect((await approvalCounts(t.db, a.actor.id, now)).yoursDecided).toBe(0);
  });

  describe("rules", () => {
    it("validates currency and threshold, refuses duplicates, audits create, update and delete", async () => {
      const before = await rowCounts(t.db);
      for (const [input, field] of [
        [{ kind: "payment.create", currency: "XYZ", thresholdMinor: "100" }, "currency"],
        [{ kind: "payment.create", currency: "USD", thresholdMinor: "12.5" }, "thresholdMinor"],
        [{ kind: "payment.create", currency: "USD", thresholdMinor: "0" }, "thresholdMinor"],
        [{ kind: "payment.create", currency: "USD", thresholdMinor: "-5" }, "thresholdMinor"],
        [{ kind: "subscription.grant", days: 0 }, "days"],
        [{ kind: "payment.create", currency: "RUB", thresholdMinor: "500" }, "currency"],
      ] as const) {
        const err = await createRule(a, input as never).catch((e) => e);
        expect(isServiceError(err), JSON.stringify(input)).toBe(true);
        expect(err.fieldErrors, JSON.stringify(input)).toHaveProperty(field);
      }
      expect(await rowCounts(t.db)).toEqual(before);

      // As the settings form types it: a decimal in the rule's currency (JPY has no minor digits).
      expect(
        await createRule(a, { kind: "payment.create", currency: "JPY", threshold: "150000" }),
      ).toMatchObject({
        thresholdMinor: 150_000n,
      });
      const typed = await createRule(a, { kind: "payment.create", currency: "USD", threshold: "1000.00" });
      expect(typed.thresholdMinor).toBe(100_000n);
      expect((await updateRule(a, { id: typed.id, threshold: "2000.50" })).thresholdMinor).toBe(200_050n);
      expect(await refusal(updateRule(a, { id: typed.id, threshold: "12.345" }))).toMatchObject({
        code: "validation",
      });
      expect(
        await refusal(createRule(a, { kind: "payment.refund_full", currency: "USD", threshold: "0.00" })),
      ).toMatchObject({ code: "validation" });
      const rule = await createRule(a, {
        kind: "payment.refund_full",
        currency: "EUR",
        thresholdMinor: "500000",
      });
      expect(rule).toMatchObject({ currency: "EUR", thresholdMinor: 500_000n, enabled: true });
      await updateRule(a, { id: rule.id, thresholdMinor: "700000" });
      expect(await refusal(updateRule(a, { id: rule.id, days: 5 }))).toMatchObject({ code: "validation" });
      await deleteRule(a, { id: rule.id });
      const actions = (
        await t.db.select().from(auditLog).where(eq(auditLog.entityId, rule.id)).orderBy(auditLog.chainSeq)
      ).map((e) => e.action);
      expect(actions).toEqual(["approval_rule.create", "approval_rule.update", "approval_rule.delete"]);
      const support = actorOf(await insertStaff(t.db, "support"));
      expect(
        await refusal(createRule(ctxFor(t.db, support), { kind: "subscription.grant", days: 10 })),
      ).toMatchObject({ code: "forbidden" });
    });
  });
});
