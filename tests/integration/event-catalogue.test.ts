import { readFileSync } from "node:fs";
import path from "node:path";
import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import type { Customer } from "@/db/schema";
import { domainEvents } from "@/db/schema";
import { handleUserDeleted } from "@/lib/accounts/user-deleted";
import { approveRequest, rejectRequest } from "@/lib/approvals/decide";
import { expireApprovalRequests } from "@/lib/approvals/expire";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { EVENT_CATALOGUE, EVENT_TYPES, isEventType } from "@/lib/events/catalogue";
import { eventMessage } from "@/lib/events/envelope";
import { expireSubscriptions } from "@/lib/jobs/expire";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment, submitPayment } from "@/lib/payments/create";
import { refundPayment, submitRefund } from "@/lib/payments/refund";
import { updatePayment } from "@/lib/payments/update";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, ctxFor, insertStaff } from "../support/fixtures";
import {
  disputeObject,
  paymentIntentFor,
  refundObject,
  stripeEvent,
  stripeId,
  WEBHOOK_SECRET,
  webhookRequest,
} from "../support/stripe";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

/**
 * docs/events.md is the contract consumers code against: every type of the catalogue has a
 * section there, and its example's `data` has exactly the fields Paydesk really emits. This test
 * runs the journeys that emit them and compares, so the document cannot drift from the code.
 */
const DOC = readFileSync(path.resolve(__dirname, "../../docs/events.md"), "utf8");

/** `### payment.completed` … the first ```json block after it → its parsed example. */
function documentedExamples(): Map<string, Record<string, unknown>> {
  const examples = new Map<string, Record<string, unknown>>();
  const sections = DOC.split(/^### /m).slice(1);
  for (const section of sections) {
    const type = section.slice(0, section.indexOf("\n")).replace(/`/g, "").trim();
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    if (json) examples.set(type, JSON.parse(json));
  }
  return examples;
}

describe("the event catalogue", () => {
  let t: TestDatabase;
  let customer: Customer;
  let ctx: ServiceContext;
  /** type → the union of `data` keys seen for it in the journeys below. */
  const seen = new Map<string, Set<string>>();
  const messages: ReturnType<typeof eventMessage>[] = [];

  beforeAll(async () => {
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    vi.spyOn(console, "warn").mockImplementation(() => {});
    t = await freshDatabase();
    useActionDb(t.db);
    resetRejectionBudgets();
    ({ customer, ctx } = await baseline(t.db));

    // Manual: created pending, edited, succeeded (extends), partly then fully refunded.
    const manual = await createPayment(ctx, {
      customer: customer.email,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      reason: "Bank transfer received",
    });
    await updatePayment(ctx, { paymentId: manual.payment.id, description: "Invoice 42", reason: "Typo" });
    await changePaymentStatus(ctx, {
      paymentId: manual.payment.id,
      status: "succeeded",
      reason: "Funds arrived",
    });
    await refundPayment(ctx, { paymentId: manual.payment.id, amount: "100.00", reason: "Goodwill" });
    await refundPayment(ctx, { paymentId: manual.payment.id, reason: "Cancelled by customer" });
    // Another one that fails, one canceled.
    const failing = await createPayment(ctx, {
      customer: customer.email,
      amount: "10.00",
      currency: "RUB",
      reason: "Cash promised",
    });
    await changePaymentStatus(ctx, { paymentId: failing.payment.id, status: "failed", reason: "Never came" });
    const canceled = await createPayment(ctx, {
      customer: customer.email,
      amount: "10.00",
      currency: "RUB",
      reason: "Cash promised",
    });
    await changePaymentStatus(ctx, { paymentId: canceled.payment.id, status: "canceled", reason: "Mistake" });

    // Stripe: a declined attempt, then success (grant), a refund that fails after counting,
    // a dispute opened and lost; an authorised intent; a payment in the wrong currency.
    const deliver = (event: object) => POST(webhookRequest(event));
    const meta = { paydesk_customer: customer.email, paydesk_plan: "premium" };
    const id = stripeId("pi");
    const failedAttempt = paymentIntentFor("payment_intent.payment_failed", { id, metadata: meta });
    await deliver(stripeEvent("payment_intent.payment_failed", failedAttempt));
    await deliver(
      stripeEvent("payment_intent.payment_failed", {
        ...failedAttempt,
        last_payment_error: { type: "card_error", code: "expired_card", message: "Your card has expired." },
      }),
    );
    await deliver(
      stripeEvent(
        "payment_intent.processing",
        paymentIntentFor("payment_intent.processing", { id, metadata: meta }),
      ),
    );
    await deliver(
      stripeEvent(
        "payment_intent.succeeded",
        paymentIntentFor("payment_intent.succeeded", { id, metadata: meta }),
      ),
    );
    const refund = refundObject({ id: stripeId("re"), payment_intent: id, amount: 10_000 });
    await deliver(stripeEvent("refund.created", refund));
    await deliver(
      stripeEvent("refund.failed", {
        ...refund,
        status: "failed",
        failure_reason: "expired_or_canceled_card",
      }),
    );
    const dispute = disputeObject({
      payment_intent: id,
      amount: 59_900,
      reason: "fraudulent",
      status: "needs_response",
    });
    await deliver(stripeEvent("charge.dispute.created", dispute));
    await deliver(stripeEvent("charge.dispute.updated", { ...dispute, status: "under_review" }));
    await deliver(stripeEvent("charge.dispute.closed", { ...dispute, status: "lost" }));
    const held = stripeId("pi");
    await deliver(
      stripeEvent(
        "payment_intent.succeeded",
        paymentIntentFor("payment_intent.succeeded", { id: held, currency: "usd", metadata: meta }),
      ),
    );
    const authorised = stripeId("pi");
    await deliver(
      stripeEvent(
        "payment_intent.amount_capturable_updated",
        paymentIntentFor("payment_intent.amount_capturable_updated", { id: authorised, metadata: meta }),
      ),
    );
    await deliver(
      stripeEvent(
        "payment_intent.canceled",
        paymentIntentFor("payment_intent.canceled", { id: authorised, metadata: meta }),
      ),
    );

    // The product deletes a user who has a running paid period: canceled and erased.
    const boris = await createCustomer(ctx, {
      email: "boris@example.com",
      name: "Boris",
      externalRef: "u-42",
    });
    await createPayment(ctx, {
      customer: boris.email,
      plan: "basic",
      amount: "299.00",
      currency: "RUB",
      status: "succeeded",
      reason: "Paid in cash",
    });
    await handleUserDeleted(t.db, {
      subject: "accounts.user.deleted",
      messageId: "catalogue-1",
      body: JSON.stringify({ user_id: "u-42" }),
    });

    // Four eyes: large payments and full refunds wait for a second admin; approved, rejected,
    // failed (the payment moved meanwhile) and expired.
    const second = await insertStaff(t.db, "admin", "second@paydesk.test");
    const approver = ctxFor(t.db, {
      type: "staff",
      id: second.id,
      email: second.email,
      name: second.name,
      role: "admin",
    });
    const large = {
      customer: customer.email,
      amount: "15000.00",
      currency: "RUB",
      status: "succeeded" as const,
    };
    const asked = await submitPayment(ctx, { ...large, reason: "Annual contract" });
    if (asked.status !== "awaiting_approval") throw new Error("expected a held payment");
    const approved = await approveRequest(approver, {
      id: asked.approvalRequestId,
      reason: "Contract checked",
    });
    const largeId = String((approved.request.result as { paymentId: string }).paymentId);
    const fullRefund = await submitRefund(ctx, { paymentId: largeId, reason: "Contract cancelled" });
    if (fullRefund.status !== "awaiting_approval") throw new Error("expected a held refund");
    await refundPayment(ctx, { paymentId: largeId, amount: "100.00", reason: "Goodwill" });
    await approveRequest(approver, { id: fullRefund.approvalRequestId, reason: "Agreed" }).catch(() => null);
    const rejected = await submitPayment(ctx, { ...large, reason: "Second contract" });
    if (rejected.status !== "awaiting_approval") throw new Error("expected a held payment");
    await rejectRequest(approver, { id: rejected.approvalRequestId, reason: "No contract on file" });
    await submitPayment(ctx, { ...large, reason: "Third contract" });
    await expireApprovalRequests(t.db, { now: new Date(Date.now() + 8 * 86_400_000) });

    // The clock: everything granted so far has run out a year later.
    await expireSubscriptions(t.db, { now: new Date(Date.now() + 400 * 86_400_000) });

    const rows = await t.db.select().from(domainEvents).orderBy(asc(domainEvents.position));
    for (const row of rows) {
      const message = JSON.parse(JSON.stringify(eventMessage(row)));
      messages.push(message);
      const keys = seen.get(row.type) ?? new Set<string>();
      for (const key of Object.keys(message.data)) keys.add(key);
      seen.set(row.type, keys);
    }
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    resetActionSession();
    await t?.close();
  });

  it("every emitted type is in the catalogue, with its version on the message", () => {
    expect(messages.length).toBeGreaterThan(20);
    for (const message of messages) {
      expect(isEventType(message.type), message.type).toBe(true);
      expect(message.schemaVersion).toBe(EVENT_CATALOGUE[message.type as keyof typeof EVENT_CATALOGUE]);
    }
  });

  it("the journeys emit every type of the catalogue", () => {
    expect([...seen.keys()].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("every catalogue type is documented with an example whose data has exactly the emitted fields", () => {
    const examples = documentedExamples();
    for (const type of EVENT_TYPES) {
      const example = examples.get(type);
      expect(example, `docs/events.md has no example for ${type}`).toBeDefined();
      expect(example?.type).toBe(type);
      expect(example?.schemaVersion).toBe(EVENT_CATALOGUE[type]);
      expect(Object.keys(example ?? {}).sort()).toEqual([
        "aggregate",
        "data",
        "id",
        "occurredAt",
        "schemaVersion",
        "type",
      ]);
      const keys = seen.get(type);
      if (keys) {
        expect(Object.keys((example?.data ?? {}) as object).sort(), type).toEqual([...keys].sort());
      }
    }
  });

  it("prints one real message of each type (for docs/events.md)", () => {
    if (!process.env.PRINT_EVENT_EXAMPLES) return;
    // The first message of each type, its data completed with fields other messages had.
    const first = new Map<string, { data: Record<string, unknown> }>();
    for (const m of messages) {
      const known = first.get(m.type);
      if (!known) first.set(m.type, structuredClone(m) as { data: Record<string, unknown> });
      else known.data = { ...(m.data as Record<string, unknown>), ...known.data };
    }
    for (const [type, m] of first) console.log(`### ${type}\n${JSON.stringify(m, null, 2)}\n`);
  });
});
