import { and, eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import type { Db } from "@/db/client";
import type { Customer } from "@/db/schema";
import { auditLog, type Payment, payments, refunds, subscriptionGrants, webhookEvents } from "@/db/schema";
import type { PaymentStatus } from "@/db/schema/enums";
import { verifyAuditChain } from "@/lib/audit/verify";
import { captureLogs } from "@/lib/log/capture";
import { getPaymentTimeline } from "@/lib/payments/timeline";
import { webhookHandlers } from "@/lib/webhooks/registry";
import { REJECTIONS_AUDITED_PER_ADDRESS, resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { resetActionSession, useActionDb } from "../support/action-session";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";
import {
  chargeObject,
  disputeObject,
  fixture,
  paymentIntent,
  paymentIntentFor,
  refundObject,
  signature,
  stripeEvent,
  stripeId,
  WEBHOOK_SECRET,
  webhookRequest,
} from "../support/stripe";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

interface Answer {
  status: number;
  body: Record<string, unknown>;
  contentType: string | null;
}

async function post(req: Request): Promise<Answer> {
  const res = await POST(req);
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : {},
    contentType: res.headers.get("content-type"),
  };
}

async function deliver(event: object, options: Parameters<typeof webhookRequest>[1] = {}): Promise<Answer> {
  return post(webhookRequest(event, options));
}

async function count(db: Db, table: "webhook_events" | "payments" | "refunds" | "subscription_grants") {
  const result = await db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(rows[0]?.n);
}

async function rejectedAudits(db: Db) {
  return db.select().from(auditLog).where(eq(auditLog.action, "webhook.rejected"));
}

async function paymentFor(db: Db, intentId: string): Promise<Payment | undefined> {
  const [p] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, intentId)));
  return p;
}

async function grantsOf(db: Db, paymentId: string) {
  return db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, paymentId));
}

async function storedEvent(db: Db, eventId: string) {
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId));
  return row;
}

describe("POST /api/webhooks/stripe", () => {
  let t: TestDatabase;
  let customer: Customer;

  beforeAll(() => {
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  beforeEach(async () => {
    t = await freshDatabase();
    useActionDb(t.db);
    resetRejectionBudgets();
    ({ customer } = await baseline(t.db));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    resetActionSession();
    await t.close();
  });

  /** The intent a `type` event carries, in the status that event reports (Paydesk reads it). */
  const intentFor = (type: string, overrides: Record<string, unknown> = {}) =>
    paymentIntentFor(type, {
      id: (overrides.id as string | undefined) ?? stripeId("pi"),
      metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
      ...overrides,
    });

  describe("refuses what it cannot verify, storing nothing", () => {
    const valid = () => stripeEvent("payment_intent.succeeded", paymentIntent({ id: stripeId("pi") }));
    const now = () => Math.floor(Date.now() / 1000);
    const cases: { name: string; request: () => Request; reason: RegExp }[] = [
      {
        name: "unsigned",
        request: () => webhookRequest(valid(), { signature: null }),
        reason: /Missing Stripe-Signature/,
      },
      {
        name: "forged (another secret)",
        request: () => webhookRequest(valid(), { secret: "whsec_someone_else" }),
        reason: /does not match/,
      },
      {
        name: "tampered after signing",
        request: () => {
          const body = JSON.stringify(valid());
          return webhookRequest(body.replace('"amount":59900', '"amount":1'), { signature: signature(body) });
        },
        reason: /does not match/,
      },
      {
        name: "stale (signed 301 s ago)",
        request: () => webhookRequest(valid(), { timestamp: now() - 301 }),
        reason: /too old/,
      },
      {
        name: "malformed header",
        request: () => webhookRequest(valid(), { signature: "t=yesterday,v1=" }),
        reason: /Malformed Stripe-Signature/,
      },
      { name: "signed but not JSON", request: () => webhookRequest('{"id": "evt_1", '), reason: /not JSON/ },
      {
        name: "signed JSON that is not an event",
        request: () => webhookRequest(fixture("refund")),
        reason: /Not a Stripe event/,
      },
      { name: "signed array", request: () => webhookRequest([1, 2, 3]), reason: /Not a Stripe event/ },
      { name: "empty body", request: () => webhookRequest(""), reason: /Empty body|not JSON/ },
    ];

    it.each(cases)("$name → 400 problem+json with a short reason", async ({ request, reason }) => {
      const answer = await post(request());
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe("application/problem+json");
      expect(answer.body).toMatchObject({
        status: 400,
        title: "Bad request",
        detail: expect.stringMatching(reason),
      });
      expect(String(answer.body.detail).length).toBeLessThan(120);
      expect(await count(t.db, "webhook_events")).toBe(0);
      expect(await count(t.db, "payments")).toBe(0);
      const audits = await rejectedAudits(t.db);
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        actorId: "system:stripe",
        via: "webhook",
        entityType: "webhook_endpoint",
        entityId: "stripe",
        ip: "203.0.113.10",
        reason: expect.stringMatching(reason),
      });
    });

    it("audits a flood of refusals only up to the budget per address", async () => {
      const logs = captureLogs();
      onTestFinished(logs.restore);
      const flood = REJECTIONS_AUDITED_PER_ADDRESS + 5;
      for (let i = 0; i < flood; i++) {
        const answer = await deliver(valid(), { secret: "whsec_forged" });
        expect(answer.status).toBe(400);
      }
      expect(await rejectedAudits(t.db)).toHaveLength(REJECTIONS_AUDITED_PER_ADDRESS);
      // Another address still has its own budget.
      await deliver(valid(), { secret: "whsec_forged", ip: "198.51.100.7" });
      expect(await rejectedAudits(t.db)).toHaveLength(REJECTIONS_AUDITED_PER_ADDRESS + 1);
      expect((await verifyAuditChain(t.db)).ok).toBe(true);

      // The log is rate-limited too: a few lines for the flooding address, and the next line
      // written says how many were left out.
      const rejected = logs.lines().filter((l) => l.msg === "webhook rejected");
      const fromFlood = rejected.filter((l) => l.ip === "203.0.113.10");
      expect(fromFlood.length).toBeGreaterThan(0);
      expect(fromFlood.length).toBeLessThan(flood);
      expect(fromFlood.every((l) => l.suppressed === 0)).toBe(true);
      expect(rejected.at(-1)).toMatchObject({
        level: "warn",
        provider: "stripe",
        ip: "198.51.100.7",
        reason: "Signature does not match the body",
        suppressed: flood - fromFlood.length,
        requestId: expect.any(String),
      });
    });

    it("answers 503 (Stripe retries) when no webhook secret is configured", async () => {
      vi.stubEnv("STRIPE_WEBHOOK_SECRET", "");
      try {
        const answer = await deliver(valid());
        expect(answer.status).toBe(503);
      } finally {
        vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
      }
      expect(await count(t.db, "webhook_events")).toBe(0);
    });

    it("answers 413 to a body over 1 MiB without reading it all", async () => {
      const answer = await post(webhookRequest(`{"pad":"${"x".repeat(1024 * 1024)}"}`));
      expect(answer.status).toBe(413);
    });
  });

  describe("payment_intent events", () => {
    it("the first event records a provider payment for the customer and plan in its metadata", async () => {
      const intent = intentFor("payment_intent.succeeded", { description: "Premium, 30 days" });
      const event = stripeEvent("payment_intent.succeeded", intent);
      const answer = await deliver(event);
      expect(answer).toMatchObject({
        status: 200,
        body: { received: true, duplicate: false, outcome: "processed" },
      });

      const payment = await paymentFor(t.db, intent.id);
      expect(payment).toMatchObject({
        kind: "provider",
        provider: "stripe",
        providerPaymentId: intent.id,
        customerId: customer.id,
        amountMinor: 59_900n,
        currency: "RUB",
        status: "succeeded",
        method: "card",
        description: "Premium, 30 days",
        createdBy: "system:stripe",
      });
      expect(await grantsOf(t.db, payment!.id)).toHaveLength(1);
      const stored = await storedEvent(t.db, event.id);
      expect(stored).toMatchObject({
        provider: "stripe",
        type: "payment_intent.succeeded",
        outcome: "processed",
        attempts: 1,
        verification: "stripe-signature",
        subjectId: intent.id,
        paymentId: payment!.id,
        sourceIp: "203.0.113.10",
      });
      expect(answer.body.eventId).toBe(stored!.id);
      // Recorded pending, then moved to what Stripe says, through the same checks as any change.
      const all = await t.db.select().from(auditLog).where(eq(auditLog.actorId, "system:stripe"));
      expect(all.map((e) => e.action).sort()).toEqual([
        "payment.create",
        "payment.status_change",
        "subscription.extend",
      ]);
      // The payment's own chain, in order.
      const entries = all
        .filter((e) => e.entityType === "payment")
        .sort((x, y) => Number(x.chainSeq) - Number(y.chainSeq));
      expect(entries.map((e) => e.action)).toEqual(["payment.create", "payment.status_change"]);
      expect(entries[0]!.after).toMatchObject({ status: "pending" });
      expect(entries[1]).toMatchObject({
        before: expect.objectContaining({ status: "pending" }),
        after: expect.objectContaining({ status: "succeeded", providerStatus: "succeeded" }),
        reason: expect.stringContaining(event.id),
      });
      expect(all.every((e) => e.via === "webhook")).toBe(true);
    });

    it("a duplicate delivery answers 200 and does nothing more", async () => {
      const event = stripeEvent("payment_intent.succeeded", intentFor("payment_intent.succeeded"));
      await deliver(event);
      const before = await t.db.select().from(auditLog);
      const again = await deliver(event);
      expect(again).toMatchObject({
        status: 200,
        body: { received: true, duplicate: true, outcome: "processed" },
      });
      expect(await count(t.db, "webhook_events")).toBe(1);
      expect(await count(t.db, "payments")).toBe(1);
      expect(await count(t.db, "subscription_grants")).toBe(1);
      expect(await t.db.select().from(auditLog)).toHaveLength(before.length);
      expect((await storedEvent(t.db, event.id))?.attempts).toBe(1);
    });

    it("a success seen twice (two event ids) extends once", async () => {
      const intent = intentFor("payment_intent.succeeded");
      await deliver(stripeEvent("payment_intent.succeeded", intent));
      const second = await deliver(stripeEvent("payment_intent.succeeded", intent));
      expect(second.body).toMatchObject({ duplicate: false, outcome: "ignored" });
      const payment = await paymentFor(t.db, intent.id);
      expect(await grantsOf(t.db, payment!.id)).toHaveLength(1);
    });

    it("zero-decimal currencies are not multiplied: 1500 JPY is 1500 minor units", async () => {
      const intent = intentFor("payment_intent.succeeded", { amount: 1500, currency: "jpy" });
      await deliver(stripeEvent("payment_intent.succeeded", intent));
      expect(await paymentFor(t.db, intent.id)).toMatchObject({ amountMinor: 1500n, currency: "JPY" });
    });

    it("names the customer by id as well as by email", async () => {
      const intent = intentFor("payment_intent.processing", {
        metadata: { paydesk_customer: customer.id, paydesk_plan: "basic" },
      });
      await deliver(stripeEvent("payment_intent.processing", intent));
      expect(await paymentFor(t.db, intent.id)).toMatchObject({
        customerId: customer.id,
        status: "processing",
      });
    });

    it.each([
      [{}, /names no customer/],
      [
        { paydesk_customer: "nobody@example.com", paydesk_plan: "premium" },
        /No customer matches .*nobody@example.com/,
      ],
      [{ paydesk_customer: "anna@example.com", paydesk_plan: "platinum" }, /Unknown plan "platinum"/],
    ])("metadata %j → stored, ignored with the reason, no payment", async (metadata, reason) => {
      const event = stripeEvent(
        "payment_intent.succeeded",
        intentFor("payment_intent.succeeded", { metadata }),
      );
      const answer = await deliver(event);
      expect(answer).toMatchObject({ status: 200, body: { outcome: "ignored" } });
      expect(await storedEvent(t.db, event.id)).toMatchObject({
        outcome: "ignored",
        outcomeReason: expect.stringMatching(reason),
      });
      expect(await count(t.db, "payments")).toBe(0);
    });

    it("other event types are stored and ignored", async () => {
      const event = stripeEvent("customer.created", fixture("customer"));
      const answer = await deliver(event);
      expect(answer).toMatchObject({ status: 200, body: { outcome: "ignored", duplicate: false } });
      expect(await storedEvent(t.db, event.id)).toMatchObject({
        outcome: "ignored",
        outcomeReason: "Stripe customer.created events are not handled",
        subjectId: null,
      });
    });

    it("a handler failure is stored as failed (replayable) and a redelivery retries it", async () => {
      const event = stripeEvent("payment_intent.succeeded", intentFor("payment_intent.succeeded"));
      const real = webhookHandlers.stripe;
      const logs = captureLogs();
      onTestFinished(logs.restore);
      webhookHandlers.stripe = async (ctx, stored) => {
        await real(ctx, stored);
        throw new Error("boom after the payment was written");
      };
      try {
        const answer = await deliver(event);
        expect(answer).toMatchObject({ status: 200, body: { outcome: "failed", duplicate: false } });
      } finally {
        webhookHandlers.stripe = real;
      }
      // One line for the failure, on the delivery's request id (the delivery's own line has it too).
      const failed = logs.lines().filter((l) => l.msg === "webhook event failed");
      expect(failed).toEqual([
        expect.objectContaining({
          level: "warn",
          provider: "stripe",
          eventId: event.id,
          reason: expect.stringContaining("boom after the payment was written"),
          requestId: expect.any(String),
        }),
      ]);
      const delivery = logs.lines().find((l) => l.msg === "webhook delivery");
      expect(delivery).toMatchObject({ outcome: "failed", requestId: failed[0]!.requestId });
      // Rolled back: the payment the handler wrote before failing is gone.
      expect(await count(t.db, "payments")).toBe(0);
      expect(await storedEvent(t.db, event.id)).toMatchObject({
        outcome: "failed",
        attempts: 1,
        error: "Error: boom after the payment was written",
      });

      const retried = await deliver(event);
      expect(retried).toMatchObject({ status: 200, body: { outcome: "processed", duplicate: false } });
      expect(await storedEvent(t.db, event.id)).toMatchObject({
        outcome: "processed",
        attempts: 2,
        error: null,
      });
      expect(await count(t.db, "payments")).toBe(1);
      const third = await deliver(event);
      expect(third.body).toMatchObject({ duplicate: true });
    });
  });

  describe("refunds and disputes reported by Stripe", () => {
    async function succeeded() {
      const intent = intentFor("payment_intent.succeeded");
      await deliver(stripeEvent("payment_intent.succeeded", intent));
      return { intent, payment: (await paymentFor(t.db, intent.id))! };
    }

    it("a full refund made in Stripe's dashboard is recorded and revokes access; its other events change nothing", async () => {
      const { intent, payment } = await succeeded();
      const refund = refundObject({
        id: stripeId("re"),
        payment_intent: intent.id,
        amount: 59_900,
        reason: "requested_by_customer",
      });
      const answer = await deliver(stripeEvent("refund.created", refund));
      expect(answer.body).toMatchObject({ outcome: "processed" });

      const after = await paymentFor(t.db, intent.id);
      expect(after).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
      const [recorded] = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
      expect(recorded).toMatchObject({
        provider: "stripe",
        providerRefundId: refund.id,
        amountMinor: 59_900n,
        actor: "system:stripe",
        status: "succeeded",
      });
      // Nothing is left and nobody asked to keep access: the grant goes.
      const [grant] = await grantsOf(t.db, payment.id);
      expect(grant?.revokedAt).not.toBeNull();

      const snapshot = await t.db.select().from(auditLog);
      const updated = await deliver(stripeEvent("refund.updated", refund));
      expect(updated.body).toMatchObject({ outcome: "ignored" });
      const charge = chargeObject({
        payment_intent: intent.id,
        amount: 59_900,
        amount_refunded: 59_900,
        refunded: true,
      });
      const chargeRefunded = await deliver(stripeEvent("charge.refunded", charge));
      expect(chargeRefunded.body).toMatchObject({ outcome: "ignored" });
      expect(await t.db.select().from(auditLog)).toHaveLength(snapshot.length);
      expect(await count(t.db, "refunds")).toBe(1);
    });

    it("a partial refund keeps access; charge.refunded carrying its refund list records each refund once", async () => {
      const { intent, payment } = await succeeded();
      const first = refundObject({ id: stripeId("re"), payment_intent: intent.id, amount: 10_000 });
      const second = refundObject({ id: stripeId("re"), payment_intent: intent.id, amount: 5_000 });
      await deliver(stripeEvent("refund.created", first));
      const charge = chargeObject({
        payment_intent: intent.id,
        amount: 59_900,
        amount_refunded: 15_000,
        refunds: { object: "list", data: [first, second], has_more: false },
      });
      const answer = await deliver(stripeEvent("charge.refunded", charge));
      expect(answer.body).toMatchObject({ outcome: "processed" });
      expect(await paymentFor(t.db, intent.id)).toMatchObject({
        status: "partially_refunded",
        refundedMinor: 15_000n,
      });
      expect(await count(t.db, "refunds")).toBe(2);
      const [grant] = await grantsOf(t.db, payment.id);
      expect(grant?.revokedAt).toBeNull();
    });

    it("a pending refund is recorded pending, counts nothing, and counts when the update says it succeeded", async () => {
      const { intent, payment } = await succeeded();
      const refund = refundObject({
        id: stripeId("re"),
        payment_intent: intent.id,
        amount: 59_900,
        status: "pending",
      });
      const pending = await deliver(stripeEvent("refund.created", refund));
      expect(pending.body).toMatchObject({ outcome: "processed" });
      expect(await paymentFor(t.db, intent.id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
      expect(await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id))).toMatchObject([
        { providerRefundId: refund.id, status: "pending", providerStatus: "pending" },
      ]);
      expect((await grantsOf(t.db, payment.id))[0]?.revokedAt).toBeNull();

      await deliver(stripeEvent("refund.updated", { ...refund, status: "succeeded" }));
      expect(await paymentFor(t.db, intent.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
      expect(await t.db.select().from(refunds).where(eq(refunds.paymentId, payment.id))).toMatchObject([
        { providerRefundId: refund.id, status: "succeeded", providerStatus: "succeeded" },
      ]);
      expect((await grantsOf(t.db, payment.id))[0]?.revokedAt).not.toBeNull();
    });

    it("charge.dispute.created flags the payment and puts the dispute on its timeline", async () => {
      const { intent, payment } = await succeeded();
      const dispute = disputeObject({ payment_intent: intent.id, amount: 59_900, reason: "fraudulent" });
      const answer = await deliver(stripeEvent("charge.dispute.created", dispute));
      expect(answer.body).toMatchObject({ outcome: "processed" });
      expect(await paymentFor(t.db, intent.id)).toMatchObject({ disputed: true, status: "succeeded" });
      const timeline = await getPaymentTimeline(t.db, payment.id);
      expect(timeline.at(-1)).toMatchObject({
        action: "payment.dispute",
        actorLabel: "system:stripe",
        reason: expect.stringContaining("fraudulent"),
        after: expect.objectContaining({ disputed: true }),
      });
      const again = await deliver(stripeEvent("charge.dispute.created", dispute));
      expect(again.body).toMatchObject({ outcome: "ignored" });
    });
  });

  describe("every order of two events about one PaymentIntent", () => {
    type Kind =
      | "payment_intent.processing"
      | "payment_intent.succeeded"
      | "payment_intent.payment_failed"
      | "payment_intent.canceled"
      | "refund.created"
      | "charge.refunded"
      | "charge.dispute.created";
    const KINDS: Kind[] = [
      "payment_intent.processing",
      "payment_intent.succeeded",
      "payment_intent.payment_failed",
      "payment_intent.canceled",
      "refund.created",
      "charge.refunded",
      "charge.dispute.created",
    ];
    type IntentStatus = "pending" | "processing" | "succeeded" | "canceled";
    const DECLINED = "Your card was declined.";
    const CANCELED = "Canceled: requested_by_customer";
    /** What each intent event's object says, in Paydesk's terms (docs/providers.md, Statuses). */
    const INTENT: Partial<Record<Kind, { status: IntentStatus; error: string | null }>> = {
      "payment_intent.processing": { status: "processing", error: null },
      "payment_intent.succeeded": { status: "succeeded", error: null },
      // requires_payment_method again: the customer may still pay; the decline is kept.
      "payment_intent.payment_failed": { status: "pending", error: DECLINED },
      "payment_intent.canceled": { status: "canceled", error: CANCELED },
    };
    /** Among snapshots of the same second, the further-along one wins. */
    const RANK: Record<IntentStatus, number> = { pending: 0, processing: 1, succeeded: 3, canceled: 3 };

    interface Model {
      status: PaymentStatus | null;
      providerError: string | null;
      grants: number;
      revoked: number;
      disputed: boolean;
      /** The one refund's row: none, recorded but not counted, or counted. */
      refund: "pending" | "succeeded" | null;
    }

    /**
     * Stripe's lifecycle as Paydesk follows it, written out independently of lib/:
     * - the first intent event records the payment (pending), then applies what it says;
     * - a declined attempt (payment_failed) leaves it pending with the last error, and a
     *   later success still completes it: a provider payment never becomes failed;
     * - succeeded and canceled are final; a snapshot older than the one applied changes
     *   nothing, and at the same second the further-along status wins;
     * - a refund is recorded when its payment is, and counts (refunded, access revoked) only
     *   once it succeeded and the payment has; a dispute flags the payment, whatever its status;
     * - refunds and disputes that come before any intent event wait for it, then apply.
     */
    function model(events: { kind: Kind; at: number }[]): Model {
      const m: Model = {
        status: null,
        providerError: null,
        grants: 0,
        revoked: 0,
        disputed: false,
        refund: null,
      };
      let appliedAt = Number.NEGATIVE_INFINITY;
      const waiting: Kind[] = [];
      const settle = () => {
        if (m.refund === "pending" && m.status === "succeeded") {
          m.refund = "succeeded";
          m.status = "refunded";
          m.revoked++;
        }
      };
      const dependent = (k: Kind) => {
        if (k === "charge.dispute.created") m.disputed = true;
        else m.refund ??= "pending";
        settle();
      };
      for (const { kind, at } of events) {
        const said = INTENT[kind];
        if (!said) {
          if (m.status === null) waiting.push(kind);
          else dependent(kind);
          continue;
        }
        const created = m.status === null;
        if (created) m.status = "pending";
        const current = (m.status === "refunded" ? "succeeded" : m.status) as IntentStatus;
        const final = current === "succeeded" || current === "canceled";
        const newer = at > appliedAt || (at === appliedAt && RANK[said.status] >= RANK[current]);
        if (!final && (newer || said.status === "succeeded" || said.status === "canceled")) {
          if (said.status === "succeeded") m.grants++;
          m.status = said.status;
          m.providerError = said.error;
          appliedAt = Math.max(at, appliedAt);
        }
        settle();
        if (created) for (const w of waiting.splice(0)) dependent(w);
      }
      return m;
    }

    /** One event, created at Unix second `at` (its object is the intent as of then). */
    function eventOf(kind: Kind, intentId: string, refundId: string, at: number) {
      const refund = refundObject({ id: refundId, payment_intent: intentId, amount: 59_900 });
      const dated = (event: ReturnType<typeof stripeEvent>) => ({ ...event, created: at });
      switch (kind) {
        case "refund.created":
          return dated(stripeEvent(kind, refund));
        case "charge.refunded":
          return dated(
            stripeEvent(
              kind,
              chargeObject({
                payment_intent: intentId,
                amount: 59_900,
                amount_refunded: 59_900,
                refunded: true,
                refunds: { object: "list", data: [refund], has_more: false },
              }),
            ),
          );
        case "charge.dispute.created":
          return dated(stripeEvent(kind, disputeObject({ payment_intent: intentId, amount: 59_900 })));
        default:
          return dated(stripeEvent(kind, intentFor(kind, { id: intentId, created: at })));
      }
    }

    type Timing = "created in this order" | "the second one older (delivered late)";
    const pairs = KINDS.flatMap((a) => KINDS.filter((b) => b !== a).map((b) => [a, b] as [Kind, Kind]));
    const cases: [Kind, Kind, Timing][] = [
      ...pairs.map(([a, b]): [Kind, Kind, Timing] => [a, b, "created in this order"]),
      // Only the intent's own snapshots are ordered by time; refunds and disputes move forward.
      ...pairs
        .filter(([a, b]) => INTENT[a] && INTENT[b])
        .map(([a, b]): [Kind, Kind, Timing] => [a, b, "the second one older (delivered late)"]),
    ];

    it("covers 42 ordered pairs, and the 12 pairs of intent events delivered late as well", () => {
      expect(cases).toHaveLength(42 + 12);
    });

    it.each(cases)("%s then %s, %s", async (a, b, timing) => {
      const intentId = stripeId("pi");
      const refundId = stripeId("re");
      const t0 = Math.floor(Date.now() / 1000) - 600;
      const events = [
        { kind: a, at: t0 },
        { kind: b, at: timing === "created in this order" ? t0 + 1 : t0 - 1 },
      ];
      for (const { kind, at } of events) {
        const answer = await deliver(eventOf(kind, intentId, refundId, at));
        expect(answer.status).toBe(200);
        expect(answer.body.outcome).not.toBe("failed");
      }
      const expected = model(events);
      const payment = await paymentFor(t.db, intentId);
      expect(payment?.status ?? null).toBe(expected.status);
      expect(payment?.status).not.toBe("failed");
      expect(payment?.providerError ?? null).toBe(expected.providerError);
      expect(payment?.refundedMinor ?? 0n).toBe(expected.refund === "succeeded" ? 59_900n : 0n);
      const grants = payment ? await grantsOf(t.db, payment.id) : [];
      expect(grants).toHaveLength(expected.grants);
      expect(grants.filter((g) => g.revokedAt !== null)).toHaveLength(expected.revoked);
      expect(payment?.disputed ?? false).toBe(expected.disputed);
      const refundRows = await t.db.select().from(refunds);
      expect(refundRows.map((r) => [r.providerRefundId, r.status])).toEqual(
        expected.refund ? [[refundId, expected.refund]] : [],
      );
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    });

    it("spelled out: a late payment_failed after succeeded is ignored with the reason", async () => {
      const intentId = stripeId("pi");
      const t0 = Math.floor(Date.now() / 1000) - 600;
      await deliver(eventOf("payment_intent.succeeded", intentId, "re_x", t0));
      const late = eventOf("payment_intent.payment_failed", intentId, "re_x", t0 - 5);
      const answer = await deliver(late);
      expect(answer.body).toMatchObject({ outcome: "ignored" });
      expect(await storedEvent(t.db, late.id)).toMatchObject({
        outcomeReason:
          "Stripe says requires payment method in an older snapshot; the payment is already succeeded",
      });
      expect(await paymentFor(t.db, intentId)).toMatchObject({ status: "succeeded", providerError: null });
    });

    it("spelled out: a declined attempt keeps the payment pending with the error; the next attempt succeeds", async () => {
      const intentId = stripeId("pi");
      const t0 = Math.floor(Date.now() / 1000) - 600;
      const declined = await deliver(eventOf("payment_intent.payment_failed", intentId, "re_x", t0));
      expect(declined.body).toMatchObject({ outcome: "processed" });
      const payment = await paymentFor(t.db, intentId);
      expect(payment).toMatchObject({
        status: "pending",
        providerStatus: "requires_payment_method",
        providerError: DECLINED,
      });
      expect(await grantsOf(t.db, payment!.id)).toHaveLength(0);
      const paid = await deliver(eventOf("payment_intent.succeeded", intentId, "re_x", t0 + 30));
      expect(paid.body).toMatchObject({ outcome: "processed" });
      expect(await paymentFor(t.db, intentId)).toMatchObject({
        status: "succeeded",
        providerStatus: "succeeded",
        providerError: null,
        amountMinor: 59_900n,
      });
      expect(await grantsOf(t.db, payment!.id)).toHaveLength(1);
    });

    it.each([
      ["payment_intent.processing", "payment_intent.payment_failed"],
      ["payment_intent.payment_failed", "payment_intent.processing"],
    ] as [Kind, Kind][])("spelled out: %s and %s of the same second end processing", async (a, b) => {
      const intentId = stripeId("pi");
      const t0 = Math.floor(Date.now() / 1000) - 600;
      await deliver(eventOf(a, intentId, "re_x", t0));
      await deliver(eventOf(b, intentId, "re_x", t0));
      expect(await paymentFor(t.db, intentId)).toMatchObject({
        status: "processing",
        providerStatus: "processing",
        providerError: null,
      });
    });

    it("spelled out: a refund that arrives before its payment waits, then applies", async () => {
      const intentId = stripeId("pi");
      const t0 = Math.floor(Date.now() / 1000) - 600;
      const early = eventOf("refund.created", intentId, stripeId("re"), t0);
      const first = await deliver(early);
      expect(first.body).toMatchObject({ outcome: "ignored" });
      expect((await storedEvent(t.db, early.id))?.outcomeReason).toMatch(/^Waiting for the payment/);
      const paid = eventOf("payment_intent.succeeded", intentId, "re_x", t0);
      const second = await deliver(paid);
      expect(second.body).toMatchObject({ outcome: "processed" });
      expect((await storedEvent(t.db, paid.id))?.outcomeReason).toMatch(
        /applied 1 earlier event that waited for it$/,
      );
      const payment = await paymentFor(t.db, intentId);
      expect(payment).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
      expect(await storedEvent(t.db, early.id)).toMatchObject({
        outcome: "processed",
        paymentId: payment!.id,
        attempts: 2,
      });
    });
  });

  describe("the database", () => {
    it("unreachable → 503 with Retry-After, so Stripe delivers again", async () => {
      const broken = await freshDatabase();
      await broken.close();
      useActionDb(broken.db);
      const logs = captureLogs();
      onTestFinished(logs.restore);
      const request = webhookRequest(
        stripeEvent("payment_intent.succeeded", intentFor("payment_intent.succeeded")),
      );
      request.headers.set("x-request-id", "req-db-down");
      const res = await POST(request);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("60");
      const errors = logs.lines().filter((l) => l.level === "error" && l.msg !== "webhook delivery");
      expect(errors).toEqual([
        expect.objectContaining({
          msg: "webhook: event could not be stored",
          provider: "stripe",
          // Ours, not the sender's X-Request-Id (lib/auth/request.ts).
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          err: expect.objectContaining({ type: "WebhookUnavailableError" }),
        }),
      ]);
    });
  });

  describe("fuzzed deliveries never produce a 5xx", () => {
    it("arbitrary bodies and signature headers", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string(), fc.json(), fc.string({ unit: "binary" })),
          fc.option(
            fc.oneof(
              fc.string(),
              fc
                .tuple(fc.integer(), fc.stringMatching(/^[0-9a-f]{0,64}$/))
                .map(([ts, v1]) => `t=${ts},v1=${v1}`),
            ),
            { nil: null },
          ),
          async (body, header) => {
            const answer = await post(webhookRequest(body, { signature: header }));
            expect(answer.status).toBeLessThan(500);
            expect([400, 413]).toContain(answer.status);
          },
        ),
        { numRuns: 150 },
      );
      expect(await count(t.db, "webhook_events")).toBe(0);
    });

    it("correctly signed arbitrary JSON, and events of handled types with arbitrary objects", async () => {
      const handled = [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "refund.created",
        "charge.refunded",
        "charge.dispute.created",
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue(),
            fc.record({
              id: fc.stringMatching(/^evt_[A-Za-z0-9]{1,20}$/),
              object: fc.constant("event"),
              type: fc.constantFrom(...handled),
              data: fc.record({
                object: fc.oneof(
                  fc.dictionary(fc.string(), fc.jsonValue()),
                  fc.record({
                    id: fc.string(),
                    object: fc.constantFrom("payment_intent", "refund", "charge", "dispute"),
                    amount: fc.oneof(fc.integer(), fc.double(), fc.string()),
                    currency: fc.oneof(fc.constantFrom("rub", "jpy", "usd", "xxx"), fc.string()),
                    payment_intent: fc.option(fc.string()),
                    status: fc.option(fc.string()),
                    metadata: fc.dictionary(fc.string(), fc.jsonValue()),
                  }),
                ),
              }),
            }),
          ),
          async (body) => {
            const answer = await post(webhookRequest(body));
            expect(answer.status).toBeLessThan(500);
            if (answer.status === 200) expect(answer.body.outcome).not.toBe("failed");
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe.runIf(backend === "postgres")("concurrent deliveries on PostgreSQL", () => {
    it("eight copies of one event at once: one payment change, one grant", async () => {
      const intent = intentFor("payment_intent.succeeded");
      const event = stripeEvent("payment_intent.succeeded", intent);
      const body = JSON.stringify(event);
      const answers = await Promise.all(Array.from({ length: 8 }, () => post(webhookRequest(body))));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
      expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(7);
      expect(await count(t.db, "webhook_events")).toBe(1);
      expect(await count(t.db, "payments")).toBe(1);
      expect(await count(t.db, "subscription_grants")).toBe(1);
      const changes = await t.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.actorId, "system:stripe"), eq(auditLog.action, "payment.create")));
      expect(changes).toHaveLength(1);
    });

    it("different events about one intent at once: one payment, the state machine's end state", async () => {
      const intentId = stripeId("pi");
      const events = [
        stripeEvent("payment_intent.processing", intentFor("payment_intent.processing", { id: intentId })),
        stripeEvent("payment_intent.succeeded", intentFor("payment_intent.succeeded", { id: intentId })),
        stripeEvent("payment_intent.succeeded", intentFor("payment_intent.succeeded", { id: intentId })),
        stripeEvent("charge.dispute.created", disputeObject({ payment_intent: intentId, amount: 59_900 })),
      ];
      const answers = await Promise.all(events.flatMap((e) => [deliver(e), deliver(e)]));
      expect(answers.every((a) => a.status === 200 && a.body.outcome !== "failed")).toBe(true);
      const payment = await paymentFor(t.db, intentId);
      expect(payment).toMatchObject({ status: "succeeded", disputed: true });
      expect(await grantsOf(t.db, payment!.id)).toHaveLength(1);
      expect(await count(t.db, "webhook_events")).toBe(4);
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    });
  });
});
