import { and, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { POST as stripePOST } from "@/app/api/webhooks/stripe/route";
import { POST as yookassaPOST } from "@/app/api/webhooks/yookassa/route";
import type { DatabaseHandle } from "@/db/client";
import {
  type Customer,
  disputes,
  type Payment,
  payments,
  refunds,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { PEER_HEADER, peerHeaderValue } from "@/lib/http/peer";
import { captureLogs } from "@/lib/log/capture";
import { syncPayment } from "@/lib/payments/sync";
import { resetBreakers } from "@/lib/providers/breaker";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";
import {
  disputeObject,
  fixture,
  paymentIntent,
  refundObject,
  stripeEvent,
  stripeId,
  WEBHOOK_SECRET,
  webhookRequest,
} from "../support/stripe";
import {
  startYooKassaApiStandIn,
  YOOKASSA_TEST_SECRET_KEY,
  YOOKASSA_TEST_SHOP_ID,
  type YooKassaApiStandIn,
} from "../support/yookassa-api";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

/**
 * docs/providers.md: "any order and any number of copies converge on the newest state".
 * A pure model of the provider's lifecycles makes a valid random history of one payment and
 * the events the provider would send about it; those are delivered to the webhook route in a
 * random order with random copies, and Paydesk must end where the model ends.
 */

const PRICE = 59_900; // plan premium, RUB
const RUNS = 40;

type Json = Record<string, unknown>;

// =======================================================================================
// Stripe: PaymentIntent + Refunds + Dispute

type Via = "direct" | "3ds" | "debit" | "manual";
interface StripeScenario {
  failures: ("card" | "3ds" | "debit")[];
  outcome: "succeeded" | "canceled" | "open";
  via: Via;
  partialCapture: boolean;
  cancelReason: "abandoned" | "requested_by_customer";
  refunds: {
    weight: number;
    path:
      | "succeeded"
      | "pending_succeeded"
      | "pending_failed"
      | "pending"
      | "succeeded_failed"
      | "pending_succeeded_failed"
      | "action_canceled";
    failVia: "refund.updated" | "refund.failed" | "charge.refund.updated";
  }[];
  fullTotal: boolean;
  dispute: null | {
    kind: "inquiry" | "chargeback";
    escalate: boolean;
    review: boolean;
    end: "open" | "won" | "lost" | "closed";
  };
  picks: number[];
}

const stripeScenario: fc.Arbitrary<StripeScenario> = fc.record({
  failures: fc.array(fc.constantFrom("card" as const, "3ds" as const, "debit" as const), { maxLength: 2 }),
  outcome: fc.constantFrom(
    "succeeded" as const,
    "succeeded" as const,
    "succeeded" as const,
    "canceled" as const,
    "open" as const,
  ),
  via: fc.constantFrom("direct" as const, "3ds" as const, "debit" as const, "manual" as const),
  partialCapture: fc.constantFrom(false, false, false, true),
  cancelReason: fc.constantFrom("abandoned" as const, "requested_by_customer" as const),
  refunds: fc.array(
    fc.record({
      weight: fc.integer({ min: 1, max: 4 }),
      path: fc.constantFrom(
        "succeeded" as const,
        "pending_succeeded" as const,
        "pending_failed" as const,
        "pending" as const,
        "succeeded_failed" as const,
        "pending_succeeded_failed" as const,
        "action_canceled" as const,
      ),
      failVia: fc.constantFrom(
        "refund.updated" as const,
        "refund.failed" as const,
        "charge.refund.updated" as const,
      ),
    }),
    { maxLength: 3 },
  ),
  fullTotal: fc.boolean(),
  dispute: fc.option(
    fc.record({
      kind: fc.constantFrom("inquiry" as const, "chargeback" as const),
      escalate: fc.boolean(),
      review: fc.boolean(),
      end: fc.constantFrom("open" as const, "won" as const, "lost" as const, "closed" as const),
    }),
    { nil: null },
  ),
  picks: fc.array(fc.nat({ max: 1000 }), { minLength: 24, maxLength: 24 }),
});

interface StripeIds {
  intent: string;
  refunds: string[];
  dispute: string;
  charge: string;
  customer: string;
}

interface ModelEvent {
  type: string;
  object: Json;
}

interface StripeFinal {
  intent: Json;
  refunds: Json[];
  dispute: Json | null;
  disputeKind: "inquiry" | "chargeback" | null;
  captured: number;
}

/** The model: Stripe's objects step by step, and the event Stripe sends at each step (a snapshot). */
function simulateStripe(s: StripeScenario, ids: StripeIds): { events: ModelEvent[]; final: StripeFinal } {
  const events: ModelEvent[] = [];
  const intent: Json = paymentIntent({
    id: ids.intent,
    amount: PRICE,
    amount_received: 0,
    status: "requires_payment_method",
    last_payment_error: null,
    cancellation_reason: null,
    latest_charge: null,
    metadata: { paydesk_customer: ids.customer, paydesk_plan: "premium" },
  });
  const emit = (type: string, object: Json) => events.push({ type, object: structuredClone(object) });
  const move = (type: string, changes: Json) => {
    Object.assign(intent, changes);
    emit(type, intent);
  };
  const declined = (code: string, message: string) => ({ type: "card_error", code, message });

  emit("payment_intent.created", intent);
  for (const f of s.failures) {
    if (f === "3ds")
      move("payment_intent.requires_action", { status: "requires_action", last_payment_error: null });
    if (f === "debit") move("payment_intent.processing", { status: "processing", last_payment_error: null });
    const error =
      f === "card"
        ? declined("card_declined", "Your card was declined.")
        : f === "3ds"
          ? declined("payment_intent_authentication_failure", "Authentication failed.")
          : declined("insufficient_funds", "The bank account has insufficient funds.");
    move("payment_intent.payment_failed", { status: "requires_payment_method", last_payment_error: error });
  }
  const before: Record<Via, [string, string] | null> = {
    direct: null,
    "3ds": ["payment_intent.requires_action", "requires_action"],
    debit: ["payment_intent.processing", "processing"],
    manual: ["payment_intent.amount_capturable_updated", "requires_capture"],
  };
  const step = before[s.via];
  if (step && (s.outcome !== "canceled" || s.via === "manual")) {
    move(step[0], { status: step[1], last_payment_error: null });
  }
  let captured = 0;
  if (s.outcome === "succeeded") {
    captured = s.via === "manual" && s.partialCapture ? 40_000 : PRICE;
    move("payment_intent.succeeded", {
      status: "succeeded",
      amount_received: captured,
      last_payment_error: null,
      latest_charge: ids.charge,
    });
  } else if (s.outcome === "canceled") {
    move("payment_intent.canceled", { status: "canceled", cancellation_reason: s.cancelReason });
  }

  const refundObjects: Json[] = [];
  let dispute: Json | null = null;
  let disputeKind: StripeFinal["disputeKind"] = null;
  if (s.outcome === "succeeded") {
    // Refund amounts: a split of everything (or of half of it).
    const total = s.fullTotal ? captured : Math.floor(captured / 2);
    const weights = s.refunds.reduce((a, r) => a + r.weight, 0);
    let left = total;
    const amounts = s.refunds.map((r, i) => {
      const amount = i === s.refunds.length - 1 ? left : Math.floor((total * r.weight) / weights);
      left -= amount;
      return amount;
    });

    type Step = () => void;
    const tracks: { dispute: boolean; steps: Step[] }[] = [];
    s.refunds.forEach((r, i) => {
      const refund: Json = refundObject({
        id: ids.refunds[i]!,
        payment_intent: ids.intent,
        charge: ids.charge,
        amount: amounts[i],
        status: "pending",
        metadata: {},
        reason: "requested_by_customer",
        failure_reason: null,
      });
      refundObjects.push(refund);
      const set = (type: string, status: string) => () => {
        refund.status = status;
        if (status === "failed") refund.failure_reason = "expired_or_canceled_card";
        emit(type, refund);
        // Stripe also says the charge was refunded; current API versions list no refunds in it.
        if (status === "succeeded") {
          emit("charge.refunded", {
            ...fixture("charge"),
            id: ids.charge,
            amount: captured,
            amount_refunded: amounts[i],
            currency: "rub",
            payment_intent: ids.intent,
            refunded: false,
            refunds: null,
          });
        }
      };
      const steps: Record<StripeScenario["refunds"][number]["path"], Step[]> = {
        succeeded: [set("refund.created", "succeeded")],
        pending_succeeded: [set("refund.created", "pending"), set("refund.updated", "succeeded")],
        pending_failed: [set("refund.created", "pending"), set("refund.failed", "failed")],
        pending: [set("refund.created", "pending")],
        succeeded_failed: [set("refund.created", "succeeded"), set(r.failVia, "failed")],
        pending_succeeded_failed: [
          set("refund.created", "pending"),
          set("refund.updated", "succeeded"),
          set(r.failVia, "failed"),
        ],
        action_canceled: [set("refund.created", "requires_action"), set("refund.updated", "canceled")],
      };
      tracks.push({ dispute: false, steps: steps[r.path] });
    });

    if (s.dispute) {
      const d = s.dispute;
      const obj: Json = disputeObject({
        id: ids.dispute,
        payment_intent: ids.intent,
        charge: ids.charge,
        amount: captured,
        reason: "fraudulent",
        status: "needs_response",
        balance_transactions: [],
      });
      dispute = obj;
      const set = (type: string, changes: Json) => () => {
        Object.assign(obj, changes);
        emit(type, obj);
      };
      const txn = (n: number) => Array.from({ length: n }, (_, k) => ({ id: `txn_${ids.dispute}_${k}` }));
      const chargeback = (first: boolean): Step[] => {
        const out: Step[] = [
          first
            ? set("charge.dispute.created", { status: "needs_response" })
            : set("charge.dispute.updated", { status: "needs_response" }),
          set("charge.dispute.funds_withdrawn", { status: "needs_response", balance_transactions: txn(1) }),
        ];
        if (d.review) out.push(set("charge.dispute.updated", { status: "under_review" }));
        if (d.end === "won") {
          out.push(set("charge.dispute.closed", { status: "won" }));
          out.push(set("charge.dispute.funds_reinstated", { status: "won", balance_transactions: txn(2) }));
        } else if (d.end === "lost") {
          out.push(set("charge.dispute.closed", { status: "lost" }));
        }
        // "closed" is not an end of a chargeback: it stays open.
        return out;
      };
      let steps: Step[];
      if (d.kind === "chargeback") {
        disputeKind = "chargeback";
        steps = chargeback(true);
      } else {
        steps = [set("charge.dispute.created", { status: "warning_needs_response" })];
        if (d.review) steps.push(set("charge.dispute.updated", { status: "warning_under_review" }));
        if (d.escalate) {
          disputeKind = "chargeback";
          steps.push(...chargeback(false));
        } else {
          disputeKind = "inquiry";
          if (d.end !== "open") steps.push(set("charge.dispute.closed", { status: "warning_closed" }));
        }
      }
      tracks.push({ dispute: true, steps });
    }

    // Interleave the lifecycles; no refund is created once a dispute is open.
    const initial = new Map(tracks.map((t) => [t, t.steps.length]));
    let pick = 0;
    for (;;) {
      const refundsCreated = tracks.every((t) => t.dispute || t.steps.length < (initial.get(t) ?? 0));
      const eligible = tracks.filter((t) => t.steps.length > 0 && (!t.dispute || refundsCreated));
      if (eligible.length === 0) break;
      const t = eligible[(s.picks[pick++ % s.picks.length] ?? 0) % eligible.length]!;
      t.steps.shift()!();
    }
  }
  return { events, final: { intent, refunds: refundObjects, dispute, disputeKind, captured } };
}
function refundStatusOf(stripe: string): "pending" | "succeeded" | "failed" {
  return stripe === "succeeded"
    ? "succeeded"
    : stripe === "failed" || stripe === "canceled"
      ? "failed"
      : "pending";
}

// =======================================================================================

interface Posted {
  status: number;
  body: Json;
}

async function postStripe(event: Json): Promise<Posted> {
  const res = await stripePOST(webhookRequest(event));
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };

describe("Stripe: a random valid history, delivered in any order with copies, converges", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let runNo = 0;

  beforeAll(async () => {
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    t = await freshDatabase();
    useActionDb(t.db);
    ({ ctx } = await baseline(t.db));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    resetActionSession();
    await t.close();
  });
  beforeEach(() => {
    resetRejectionBudgets();
  });

  async function newCustomer(): Promise<Customer> {
    runNo++;
    return createCustomer(ctx, {
      email: `stripe-model-${runNo}-${Date.now()}@example.com`,
      name: `Model ${runNo}`,
    });
  }

  const withIds = (customer = "x@example.com"): StripeIds => ({
    intent: stripeId("pi"),
    refunds: [stripeId("re"), stripeId("re"), stripeId("re")],
    dispute: stripeId("dp"),
    charge: stripeId("ch"),
    customer,
  });

  it("ends where the model ends: status, amounts, refunds, dispute, access", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const arb = stripeScenario.chain((scenario) => {
      const n = simulateStripe(scenario, withIds()).events.length;
      const indices = Array.from({ length: n }, (_, i) => i);
      return fc.record({
        scenario: fc.constant(scenario),
        order: fc.shuffledSubarray(indices, { minLength: n, maxLength: n }),
        copies: fc.array(fc.record({ which: fc.nat(n - 1), at: fc.nat(n) }), { maxLength: 4 }),
      });
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ scenario, order, copies }) => {
        const customer = await newCustomer();
        const ids = withIds(customer.email);
        const { events, final } = simulateStripe(scenario, ids);
        const base = Math.floor(Date.now() / 1000) - 3_600;
        const envelopes = events.map((e, i) => ({
          ...stripeEvent(e.type, e.object, stripeId("evt")),
          created: base + i,
        }));
        const sequence = [...order];
        for (const c of copies) sequence.splice(Math.min(c.at, sequence.length), 0, c.which);

        for (const i of sequence) {
          const answer = await postStripe(envelopes[i]!);
          expect(answer.status, `${envelopes[i]!.type} → ${JSON.stringify(answer.body)}`).toBe(200);
          expect(answer.body.outcome, envelopes[i]!.type).not.toBe("failed");
        }

        await expectStripeConverged(t, ids, final, scenario);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // No delivery failed, hit an unexpected error or found the database away.
    const trouble = logs
      .lines()
      .filter((l) => l.level === "error" || l.level === "fatal" || l.msg === "webhook event failed");
    expect(trouble).toEqual([]);
    // …and the capture did see the deliveries (so the check above is not vacuous).
    expect(logs.lines().some((l) => l.msg === "webhook delivery" && l.outcome === "processed")).toBe(true);
  });

  describe("orderings the model found, pinned", () => {
    const at = () => Math.floor(Date.now() / 1000) - 600;
    const send = async (type: string, object: Json, created: number) => {
      const answer = await postStripe({ ...stripeEvent(type, object, stripeId("evt")), created });
      expect(answer.status).toBe(200);
      expect(answer.body.outcome).not.toBe("failed");
    };
    const intentOf = (id: string, email: string, status: string) =>
      paymentIntent({ id, status, metadata: { paydesk_customer: email, paydesk_plan: "premium" } });
    const grantOf = async (intentId: string) => {
      const [p] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, intentId));
      const [g] = await t.db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, p!.id));
      return { payment: p!, grant: g };
    };

    it("a dispute lost while the payment was still pending at Paydesk: its later success grants nothing", async () => {
      const customer = await newCustomer();
      const pi = stripeId("pi");
      const base = at();
      await send("payment_intent.created", intentOf(pi, customer.email, "requires_payment_method"), base);
      // Stripe's order: succeeded (base+1), dispute lost (base+2); delivered the other way round.
      await send(
        "charge.dispute.closed",
        disputeObject({ id: stripeId("dp"), payment_intent: pi, amount: PRICE, status: "lost" }),
        base + 2,
      );
      await send("payment_intent.succeeded", intentOf(pi, customer.email, "succeeded"), base + 1);
      const { payment, grant } = await grantOf(pi);
      expect(payment).toMatchObject({ status: "succeeded", disputed: true });
      // docs/providers.md: lost "counts like a full refund: … the grant is revoked".
      expect(grant === undefined || grant.revokedAt !== null, "no live grant after a lost dispute").toBe(
        true,
      );
    });

    it.each([
      ["Stripe's order (the second refund completes the total)", false],
      ["the second refund delivered first", true],
    ])(
      "two refunds make a full refund, the first fails afterwards: access comes back (%s)",
      async (_, swap) => {
        const customer = await newCustomer();
        const pi = stripeId("pi");
        const base = at();
        const r1 = stripeId("re");
        const r2 = stripeId("re");
        await send("payment_intent.succeeded", intentOf(pi, customer.email, "succeeded"), base);
        const first = () =>
          send(
            "refund.created",
            refundObject({ id: r1, payment_intent: pi, amount: 30_000, metadata: {} }),
            base + 1,
          );
        const second = () =>
          send(
            "refund.created",
            refundObject({ id: r2, payment_intent: pi, amount: 29_900, metadata: {} }),
            base + 2,
          );
        if (swap) {
          await second();
          await first();
        } else {
          await first();
          await second();
        }
        await send(
          "refund.failed",
          refundObject({ id: r1, payment_intent: pi, amount: 30_000, status: "failed", metadata: {} }),
          base + 3,
        );
        const { payment, grant } = await grantOf(pi);
        expect(payment).toMatchObject({ status: "partially_refunded", refundedMinor: 29_900n });
        // A partial refund keeps access; the grant the full refund took must come back.
        expect(grant?.revokedAt ?? null, "the grant is live again").toBeNull();
      },
    );

    it("an older dispute snapshot does not move the dispute's provider status back", async () => {
      const customer = await newCustomer();
      const pi = stripeId("pi");
      const dp = stripeId("dp");
      const base = at();
      await send("payment_intent.succeeded", intentOf(pi, customer.email, "succeeded"), base);
      const dispute = (status: string) =>
        disputeObject({ id: dp, payment_intent: pi, amount: PRICE, status, balance_transactions: [] });
      await send("charge.dispute.updated", dispute("warning_under_review"), base + 2);
      await send("charge.dispute.created", dispute("warning_needs_response"), base + 1);
      const [row] = await t.db.select().from(disputes).where(eq(disputes.providerDisputeId, dp));
      expect(row).toMatchObject({ status: "open", kind: "inquiry" });
      expect(row?.providerStatus, "the newest snapshot's word").toBe("warning_under_review");
    });
  });

  async function expectStripeConverged(
    t: TestDatabase,
    ids: StripeIds,
    final: StripeFinal,
    s: StripeScenario,
  ) {
    const [payment] = await t.db
      .select()
      .from(payments)
      .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, ids.intent)));
    // An intent nobody has tried to pay yet (only `payment_intent.created`, no error, no
    // refund or dispute) is not a payment yet: Paydesk records it at the first attempt.
    const untouched =
      final.intent.status === "requires_payment_method" &&
      !final.intent.last_payment_error &&
      final.refunds.length === 0 &&
      !final.dispute;
    if (untouched && s.failures.length === 0 && s.outcome === "open") {
      expect(payment, "an intent nobody tried to pay is not recorded").toBeUndefined();
      return;
    }
    expect(payment, "the payment is recorded").toBeDefined();
    const p = payment as Payment;
    const intentStatus = String(final.intent.status);
    const succeeded = intentStatus === "succeeded";
    const counted = final.refunds
      .filter((r) => r.status === "succeeded")
      .reduce((sum, r) => sum + Number(r.amount), 0);
    const base =
      intentStatus === "succeeded"
        ? "succeeded"
        : intentStatus === "canceled"
          ? "canceled"
          : intentStatus === "processing" || intentStatus === "requires_capture"
            ? "processing"
            : "pending";
    const expectedStatus =
      base !== "succeeded"
        ? base
        : counted === 0
          ? "succeeded"
          : counted === final.captured
            ? "refunded"
            : "partially_refunded";
    const lastError =
      intentStatus === "canceled"
        ? `Canceled: ${String(final.intent.cancellation_reason)}`
        : succeeded
          ? null
          : ((final.intent.last_payment_error as { message?: string } | null)?.message ?? null);
    const context = JSON.stringify(s);
    expect(
      {
        status: p.status,
        providerStatus: p.providerStatus,
        providerError: p.providerError,
        amountMinor: p.amountMinor,
        requestedMinor: p.requestedMinor,
        refundedMinor: p.refundedMinor,
      },
      context,
    ).toEqual({
      status: expectedStatus,
      providerStatus: intentStatus,
      providerError: lastError,
      amountMinor: BigInt(succeeded ? final.captured : PRICE),
      requestedMinor: BigInt(PRICE),
      refundedMinor: BigInt(counted),
    });

    const rows = await t.db.select().from(refunds).where(eq(refunds.paymentId, p.id));
    expect(
      rows.map((r) => ({ id: r.providerRefundId, status: r.status, amount: r.amountMinor })).sort(byId),
      context,
    ).toEqual(
      final.refunds
        .map((r) => ({
          id: String(r.id),
          status: refundStatusOf(String(r.status)),
          amount: BigInt(Number(r.amount)),
        }))
        .sort(byId),
    );

    const ds = await t.db.select().from(disputes).where(eq(disputes.paymentId, p.id));
    let lost = false;
    if (final.dispute) {
      const st = String(final.dispute.status);
      const status =
        st === "won" ? "won" : st === "lost" ? "lost" : st === "warning_closed" ? "closed" : "open";
      const txns = (final.dispute.balance_transactions as unknown[]).length;
      lost = status === "lost";
      expect(
        ds.map((d) => ({
          id: d.providerDisputeId,
          kind: d.kind,
          status: d.status,
          amountMinor: d.amountMinor,
          fundsWithdrawn: d.fundsWithdrawn,
          fundsReinstated: d.fundsReinstated,
        })),
        context,
      ).toEqual([
        {
          id: ids.dispute,
          kind: final.disputeKind,
          status,
          amountMinor: BigInt(final.captured),
          fundsWithdrawn: txns >= 1,
          fundsReinstated: txns >= 2,
        },
      ]);
      expect(p.disputed, context).toBe(status === "open" || status === "lost");
    } else {
      expect(ds, context).toEqual([]);
      expect(p.disputed, context).toBe(false);
    }

    // Access: a live grant iff it succeeded for the plan's price, is not fully refunded, no dispute lost.
    const grants = await t.db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, p.id));
    const granted = succeeded && final.captured >= PRICE;
    if (granted && lost) {
      // Lost before the success was applied, nothing was ever granted; lost after, the grant
      // was revoked. Either way no access is left.
      expect(
        grants.filter((g) => g.revokedAt === null),
        `no live grant after a lost dispute: ${context}`,
      ).toEqual([]);
      expect(grants.length, context).toBeLessThanOrEqual(1);
    } else {
      expect(grants.length, context).toBe(granted ? 1 : 0);
    }
    if (granted && grants.length === 1) {
      const live = counted < final.captured && !lost;
      expect(grants[0]!.revokedAt === null, `live grant? ${context}`).toBe(live);
      const [sub] = await t.db
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.id, grants[0]!.subscriptionId));
      if (live) expect(sub!.currentPeriodEnd.getTime()).toBe(grants[0]!.periodEnd.getTime());
      else expect(sub!.currentPeriodEnd.getTime()).toBeLessThan(grants[0]!.periodEnd.getTime());
    }
    expect(p.reviewReason !== null, context).toBe(succeeded && final.captured < PRICE);
  }
});

function byId(a: { id: string | null }, b: { id: string | null }) {
  return String(a.id).localeCompare(String(b.id));
}

// =======================================================================================
// YooKassa: payment pending → waiting_for_capture → succeeded | canceled, and refunds

interface YooKassaScenario {
  via: "direct" | "capture";
  outcome: "succeeded" | "canceled" | "open";
  partialCapture: boolean;
  refunds: {
    weight: number;
    path: "succeeded" | "pending_succeeded" | "pending" | "pending_canceled" | "canceled";
  }[];
  fullTotal: boolean;
  /** Per notification (in the order they are sent): how many steps later it arrives, and a copy's delay. */
  delays: number[];
  copies: (number | null)[];
  /** The order of whatever is still undelivered at the end. */
  tail: number[];
}

const yookassaScenario: fc.Arbitrary<YooKassaScenario> = fc.record({
  via: fc.constantFrom("direct" as const, "capture" as const),
  outcome: fc.constantFrom("succeeded" as const, "succeeded" as const, "canceled" as const, "open" as const),
  partialCapture: fc.constantFrom(false, false, false, true),
  refunds: fc.array(
    fc.record({
      weight: fc.integer({ min: 1, max: 4 }),
      path: fc.constantFrom(
        "succeeded" as const,
        "pending_succeeded" as const,
        "pending" as const,
        "pending_canceled" as const,
        "canceled" as const,
      ),
    }),
    { maxLength: 3 },
  ),
  fullTotal: fc.boolean(),
  delays: fc.array(fc.nat({ max: 4 }), { minLength: 12, maxLength: 12 }),
  copies: fc.array(fc.option(fc.nat({ max: 5 }), { nil: null, freq: 2 }), { minLength: 12, maxLength: 12 }),
  tail: fc.array(fc.nat({ max: 1000 }), { minLength: 12, maxLength: 12 }),
});

const ALLOWED_IP = "185.71.76.10";

async function postYooKassa(body: Json): Promise<Posted> {
  const res = await yookassaPOST(
    new Request("http://localhost/api/webhooks/yookassa", {
      method: "POST",
      headers: { "content-type": "application/json", [PEER_HEADER]: peerHeaderValue(ALLOWED_IP) },
      body: JSON.stringify(body),
    }),
  );
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const rub = (minor: number) => ({ value: (minor / 100).toFixed(2), currency: "RUB" });

describe("YooKassa: notifications in any order with copies converge on the API's final state", () => {
  let api: YooKassaApiStandIn;
  let t: TestDatabase;
  let ctx: ServiceContext;
  let runNo = 0;
  const ENV = {
    YOOKASSA_SHOP_ID: YOOKASSA_TEST_SHOP_ID,
    YOOKASSA_SECRET_KEY: YOOKASSA_TEST_SECRET_KEY,
    YOOKASSA_API_TIMEOUT_MS: "5000",
    YOOKASSA_ALLOWED_IPS: "",
    YOOKASSA_WEBHOOK_SECRET: "",
    TRUSTED_PROXY_HOPS: "0",
  };

  beforeAll(async () => {
    api = await startYooKassaApiStandIn();
    for (const [k, v] of Object.entries({ ...ENV, YOOKASSA_API_BASE: api.url })) vi.stubEnv(k, v);
    t = await freshDatabase();
    globalForDb.__paydeskDb = Promise.resolve(t);
    ({ ctx } = await baseline(t.db));
  });
  afterAll(async () => {
    globalForDb.__paydeskDb = undefined;
    vi.unstubAllEnvs();
    await t.close();
    await api.close();
  });
  beforeEach(() => {
    resetRejectionBudgets();
    resetBreakers();
  });

  it("ends where the stand-in ends; a Sync afterwards adds the refunds no notification announces", async () => {
    await fc.assert(
      fc.asyncProperty(yookassaScenario, async (s) => {
        runNo++;
        const customer = await createCustomer(ctx, {
          email: `yk-model-${runNo}-${Date.now()}@example.com`,
          name: `YK ${runNo}`,
        });
        const payment = api.putPayment({
          status: "pending",
          metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
        });
        const id = String(payment.id);
        const sent: Json[] = [];
        const due: { at: number; body: Json }[] = [];
        let stepNo = 0;
        const notify = (event: string, objectId: string) => {
          const k = sent.length;
          const body = { type: "notification", event, object: { id: objectId } };
          sent.push(body);
          due.push({ at: stepNo + (s.delays[k % 12] ?? 0), body });
          const copy = s.copies[k % 12];
          if (copy !== null && copy !== undefined) due.push({ at: stepNo + copy, body });
        };
        const deliverDue = async () => {
          for (const d of due.filter((x) => x.at <= stepNo)) {
            due.splice(due.indexOf(d), 1);
            const answer = await postYooKassa(d.body);
            expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          }
        };
        const step = async (fn: () => void) => {
          fn();
          stepNo++;
          await deliverDue();
        };

        // The payment's lifecycle at YooKassa.
        let amount = PRICE;
        if (s.via === "capture") {
          await step(() => {
            payment.status = "waiting_for_capture";
            payment.paid = true;
            notify("payment.waiting_for_capture", id);
          });
        }
        if (s.outcome === "succeeded") {
          await step(() => {
            if (s.via === "capture" && s.partialCapture) amount = 40_000;
            Object.assign(payment, {
              status: "succeeded",
              paid: true,
              amount: rub(amount),
              income_amount: rub(amount),
              captured_at: new Date().toISOString(),
            });
            notify("payment.succeeded", id);
          });
        } else if (s.outcome === "canceled") {
          await step(() => {
            Object.assign(payment, {
              status: "canceled",
              paid: false,
              cancellation_details: { party: "merchant", reason: "expired_on_capture" },
            });
            notify("payment.canceled", id);
          });
        }

        // Refunds, made in YooKassa's dashboard.
        const made: Json[] = [];
        if (s.outcome === "succeeded" && s.refunds.length > 0) {
          const total = s.fullTotal ? amount : Math.floor(amount / 2);
          const weights = s.refunds.reduce((a, r) => a + r.weight, 0);
          let left = total;
          const steps: { refund: number; to: "succeeded" | "canceled" }[] = [];
          for (const [i, r] of s.refunds.entries()) {
            const part = i === s.refunds.length - 1 ? left : Math.floor((total * r.weight) / weights);
            left -= part;
            const first =
              r.path === "succeeded" ? "succeeded" : r.path === "canceled" ? "canceled" : "pending";
            await step(() => {
              const refund = api.putRefund({
                payment_id: id,
                status: first,
                amount: rub(part),
                description: "Dashboard",
              });
              made.push(refund);
              if (first === "succeeded") notify("refund.succeeded", String(refund.id));
            });
            if (r.path === "pending_succeeded") steps.push({ refund: i, to: "succeeded" });
            if (r.path === "pending_canceled") steps.push({ refund: i, to: "canceled" });
          }
          for (const later of steps) {
            await step(() => {
              const refund = made[later.refund]!;
              refund.status = later.to;
              if (later.to === "succeeded") notify("refund.succeeded", String(refund.id));
              else refund.cancellation_details = { party: "yoo_money", reason: "rejected_by_payee" };
            });
          }
        }

        // Whatever has not arrived yet arrives now, in a random order.
        const rest = due.splice(0).map((d, i) => ({ d, k: s.tail[i % 12]! * 100 + i }));
        rest.sort((a, b) => a.k - b.k);
        for (const { d } of rest) {
          const answer = await postYooKassa(d.body);
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        }

        const context = JSON.stringify(s);
        const [local] = await t.db
          .select()
          .from(payments)
          .where(and(eq(payments.provider, "yookassa"), eq(payments.providerPaymentId, id)));
        const status = String(payment.status);
        if (sent.length === 0) {
          // Nothing was announced (a payment still pending): nothing is recorded.
          expect(local, context).toBeUndefined();
          return;
        }
        expect(local, context).toBeDefined();
        const p = local as Payment;
        const succeededRefunds = made.filter((r) => r.status === "succeeded");
        const counted = succeededRefunds.reduce(
          (a, r) => a + Math.round(Number((r.amount as { value: string }).value) * 100),
          0,
        );
        const base =
          status === "succeeded"
            ? "succeeded"
            : status === "canceled"
              ? "canceled"
              : status === "pending"
                ? "pending"
                : "processing";
        const expected =
          base !== "succeeded"
            ? base
            : counted === 0
              ? "succeeded"
              : counted === amount
                ? "refunded"
                : "partially_refunded";
        expect(
          {
            status: p.status,
            providerStatus: p.providerStatus,
            amountMinor: p.amountMinor,
            refundedMinor: p.refundedMinor,
          },
          context,
        ).toEqual({
          status: expected,
          providerStatus: status,
          amountMinor: BigInt(amount),
          refundedMinor: BigInt(counted),
        });

        const refundRows = async () =>
          (await t.db.select().from(refunds).where(eq(refunds.paymentId, p.id)))
            .map((r) => ({ id: r.providerRefundId, status: r.status }))
            .sort(byId);
        // Only refund.succeeded is announced by YooKassa.
        expect(await refundRows(), context).toEqual(
          succeededRefunds.map((r) => ({ id: String(r.id), status: "succeeded" })).sort(byId),
        );

        const grants = await t.db
          .select()
          .from(subscriptionGrants)
          .where(eq(subscriptionGrants.paymentId, p.id));
        const granted = status === "succeeded" && amount >= PRICE;
        expect(grants.length, context).toBe(granted ? 1 : 0);
        if (granted) expect(grants[0]!.revokedAt === null, context).toBe(counted < amount);

        // Sync: every refund YooKassa lists, settled as it is there; the totals do not move.
        const synced = await syncPayment(ctx, { paymentId: p.id, reason: "model check" });
        expect(synced.payment.refundedMinor, context).toBe(BigInt(counted));
        expect(synced.payment.status, context).toBe(expected);
        expect(await refundRows(), context).toEqual(
          made
            .map((r) => ({
              id: String(r.id),
              status: r.status === "succeeded" ? "succeeded" : r.status === "canceled" ? "failed" : "pending",
            }))
            .sort(byId),
        );
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});
