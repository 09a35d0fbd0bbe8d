import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendAudit } from "@/lib/audit/append";
import { type ServiceContext, systemContext } from "@/lib/context";
import { ServiceError } from "@/lib/errors";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { getPaymentTimeline } from "@/lib/payments/timeline";
import { updatePayment } from "@/lib/payments/update";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";

describe("payment timeline", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;
  let customerId: string;

  beforeEach(async () => {
    t = await freshDatabase();
    clock = clockAt("2026-01-01T00:00:00.000Z");
    const base = await baseline(t.db, clock);
    ctx = base.ctx;
    customerId = base.customer.id;
  });
  afterEach(async () => {
    await t.close();
  });

  function pay(status: "pending" | "succeeded", plan: string | null = "premium") {
    return createPayment(ctx, {
      customer: customerId,
      plan,
      amount: "599.00",
      currency: "RUB",
      status,
      method: "bank_transfer",
      reason: "bank transfer announced",
    });
  }

  const changeOf = (entry: { changes: { path: string; before: unknown; after: unknown }[] }, path: string) =>
    entry.changes.find((c) => c.path === path);

  it("create → succeeded → partial refund → full refund, with the subscription entries in place", async () => {
    const { payment } = await pay("pending");
    clock.advanceDays(1);
    await changePaymentStatus(ctx, {
      paymentId: payment.id,
      status: "succeeded",
      reason: "seen on statement",
    });
    clock.advanceDays(1);
    await refundPayment(ctx, { paymentId: payment.id, amount: "100.00", reason: "goodwill" });
    clock.advanceDays(1);
    await refundPayment(ctx, { paymentId: payment.id, reason: "customer left" });

    const timeline = await getPaymentTimeline(t.db, payment.id);
    expect(timeline.map((e) => e.action)).toEqual([
      "payment.create",
      "payment.status_change",
      "subscription.extend",
      "payment.refund",
      "payment.refund",
      "subscription.revoke",
    ]);
    expect(timeline.map((e) => e.at.toISOString())).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-02T00:00:00.000Z",
      "2026-01-02T00:00:00.000Z",
      "2026-01-03T00:00:00.000Z",
      "2026-01-04T00:00:00.000Z",
      "2026-01-04T00:00:00.000Z",
    ]);
    const [created, succeeded, extended, partial, full, revoked] = timeline;
    for (const e of timeline) {
      expect(e).toMatchObject({ actorLabel: "admin@paydesk.test", actorRole: "admin", via: "cli" });
    }

    // A creation lists every field it set.
    expect(created!.before).toBeNull();
    expect(changeOf(created!, "status")).toEqual({ path: "status", before: undefined, after: "pending" });
    expect(changeOf(created!, "amountMinor")).toEqual({
      path: "amountMinor",
      before: undefined,
      after: "59900",
    });
    expect(created!.reason).toBe("bank transfer announced");

    expect(succeeded!.changes).toEqual([
      { path: "status", before: "pending", after: "succeeded" },
      { path: "version", before: 1, after: 2 },
    ]);
    expect(succeeded!.reason).toBe("seen on statement");

    expect(extended!.entityType).toBe("subscription");
    expect(extended!.before).toBeNull();
    expect(changeOf(extended!, "currentPeriodEnd")?.after).toBe("2026-02-01T00:00:00.000Z");
    expect(changeOf(extended!, "status")?.after).toBe("active");
    expect(changeOf(extended!, "grant")?.after).toMatchObject({ paymentId: payment.id, days: 30 });

    expect(partial!.changes).toEqual([
      {
        path: "refund",
        before: undefined,
        // A manual refund is counted at once: it is recorded succeeded.
        after: {
          id: expect.any(String),
          amountMinor: "10000",
          status: "succeeded",
          providerRefundId: null,
          revokeAccess: false,
          keepAccess: false,
        },
      },
      { path: "refundedMinor", before: "0", after: "10000" },
      { path: "status", before: "succeeded", after: "partially_refunded" },
      { path: "version", before: 2, after: 3 },
    ]);
    expect(partial!.reason).toBe("goodwill");

    expect(changeOf(full!, "status")).toEqual({
      path: "status",
      before: "partially_refunded",
      after: "refunded",
    });
    expect(changeOf(full!, "refundedMinor")).toEqual({
      path: "refundedMinor",
      before: "10000",
      after: "59900",
    });

    expect(revoked!.entityType).toBe("subscription");
    expect(revoked!.entityId).toBe(extended!.entityId);
    expect(revoked!.changes).toEqual([
      // Nothing else is live: access ends where this grant began.
      { path: "currentPeriodEnd", before: "2026-02-01T00:00:00.000Z", after: "2026-01-02T00:00:00.000Z" },
      { path: "revokedGrant", before: undefined, after: { paymentId: payment.id, days: 30 } },
      { path: "status", before: "active", after: "expired" },
      { path: "version", before: 2, after: 3 },
    ]);
  });

  it("keeps causal order when every change happens at the same instant", async () => {
    // The clock never moves: ordering by time alone could not tell these entries apart.
    const { payment } = await pay("succeeded");
    await pay("succeeded"); // another payment stacks on the same subscription
    await refundPayment(ctx, { paymentId: payment.id, amount: "1.00", revokeAccess: true, reason: "abuse" });
    await refundPayment(ctx, { paymentId: payment.id, reason: "the rest" });
    const timeline = await getPaymentTimeline(t.db, payment.id);
    expect(timeline.map((e) => e.action)).toEqual([
      "payment.create",
      "subscription.extend",
      "payment.refund",
      "subscription.revoke",
      "payment.refund",
    ]);
  });

  it("shows a voided trial and a provider's changes with their actor labels", async () => {
    const trial = await createPayment(ctx, {
      customer: customerId,
      plan: "basic",
      kind: "trial",
      amount: "0",
      currency: "RUB",
      reason: "trial requested",
    });
    clock.advanceDays(2);
    await changePaymentStatus(ctx, { paymentId: trial.payment.id, status: "canceled", reason: "void trial" });
    expect((await getPaymentTimeline(t.db, trial.payment.id)).map((e) => e.action)).toEqual([
      "payment.create",
      "subscription.extend",
      "payment.status_change",
      "subscription.revoke",
    ]);

    const { payment } = await pay("pending");
    const stripe = { ...systemContext(t.db, "system:stripe", "webhook"), now: clock.now };
    clock.advanceDays(1);
    await changePaymentStatus(stripe, { paymentId: payment.id, status: "processing", reason: "webhook" });
    const timeline = await getPaymentTimeline(t.db, payment.id);
    expect(timeline.at(-1)).toMatchObject({
      action: "payment.status_change",
      actorLabel: "system:stripe",
      actorRole: null,
      via: "webhook",
    });
  });

  it("includes edits, and never another payment's entries (even on the same subscription)", async () => {
    const first = await pay("succeeded");
    clock.advanceDays(1);
    const second = await pay("succeeded");
    const noPlan = await pay("succeeded", null);
    clock.advanceDays(1);
    await updatePayment(ctx, { paymentId: first.payment.id, description: "January", reason: "label it" });
    await refundPayment(ctx, { paymentId: second.payment.id, reason: "charged twice" });

    const a = await getPaymentTimeline(t.db, first.payment.id);
    expect(a.map((e) => e.action)).toEqual(["payment.create", "subscription.extend", "payment.update"]);
    expect(a[2]!.changes).toEqual([
      { path: "description", before: null, after: "January" },
      { path: "version", before: 1, after: 2 },
    ]);
    const b = await getPaymentTimeline(t.db, second.payment.id);
    expect(b.map((e) => e.action)).toEqual([
      "payment.create",
      "subscription.extend",
      "payment.refund",
      "subscription.revoke",
    ]);
    // The second payment's entries name only it.
    for (const e of b.filter((x) => x.entityType === "subscription")) {
      expect(JSON.stringify(e.after)).toContain(second.payment.id);
      expect(JSON.stringify(e.after)).not.toContain(first.payment.id);
    }
    for (const e of a.filter((x) => x.entityType === "payment")) expect(e.entityId).toBe(first.payment.id);
    expect((await getPaymentTimeline(t.db, noPlan.payment.id)).map((e) => e.action)).toEqual([
      "payment.create",
    ]);
    const ids = new Set([...a, ...b].map((e) => e.id));
    expect(ids.size).toBe(a.length + b.length);
  });

  it("is empty for an unknown payment and not_found for something that is not an id", async () => {
    expect(await getPaymentTimeline(t.db, "00000000-0000-4000-8000-000000000000")).toEqual([]);
    await expect(getPaymentTimeline(t.db, "not-a-uuid")).rejects.toBeInstanceOf(ServiceError);
  });

  it("accepts the id in upper case", async () => {
    const { payment } = await pay("succeeded");
    expect(await getPaymentTimeline(t.db, payment.id.toUpperCase())).toHaveLength(2);
  });

  // Issue 12, defect 7: support may read only its own audit entries (audit.view_own), on the
  // payment timeline as on the audit page: others' entries are facts without who, why or what.
  it("shows support only its own entries' details; everyone else's keep just the action and time", async () => {
    const { payment } = await pay("pending");
    await changePaymentStatus(ctx, {
      paymentId: payment.id,
      status: "succeeded",
      reason: "seen on statement",
    });
    const agent = await insertStaff(t.db, "support", "agent@paydesk.test");
    const agentCtx = ctxFor(
      t.db,
      { type: "staff", id: agent.id, email: agent.email, name: agent.name, role: "support" },
      {
        now: clock.now,
      },
    );
    // An entry of the agent's own about this payment (appendAudit is the audit table's only writer).
    await t.db.transaction((tx) =>
      appendAudit(tx, agentCtx, {
        action: "payment.review_decided",
        entityType: "payment",
        entityId: payment.id,
        before: { note: null },
        after: { note: "called the customer" },
        reason: "customer confirmed the transfer",
      }),
    );

    const asSupport = await getPaymentTimeline(t.db, payment.id, { id: agent.id, role: "support" });
    expect(asSupport.map((e) => e.action)).toEqual([
      "payment.create",
      "payment.status_change",
      "subscription.extend",
      "payment.review_decided",
    ]);
    for (const e of asSupport.slice(0, 3)) {
      expect(e).toMatchObject({
        withheld: true,
        actorRole: null,
        reason: null,
        before: null,
        after: null,
        changes: [],
      });
      expect(JSON.stringify(e)).not.toContain("admin@paydesk.test");
      expect(JSON.stringify(e)).not.toContain("seen on statement");
    }
    const own = asSupport[3]!;
    expect(own.withheld).toBeUndefined();
    expect(own).toMatchObject({
      actorLabel: "agent@paydesk.test",
      reason: "customer confirmed the transfer",
    });
    expect(own.changes).toEqual([{ path: "note", before: null, after: "called the customer" }]);

    // Admins and auditors read every entry in full; so do trusted callers that name no viewer.
    for (const role of ["admin", "auditor"] as const) {
      const full = await getPaymentTimeline(t.db, payment.id, { id: agent.id, role });
      expect(full.filter((e) => e.withheld)).toEqual([]);
      expect(full[1]).toMatchObject({ actorLabel: "admin@paydesk.test", reason: "seen on statement" });
    }
    expect((await getPaymentTimeline(t.db, payment.id)).filter((e) => e.withheld)).toEqual([]);
  });
});
