import { and, count, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as stripePOST } from "@/app/api/webhooks/stripe/route";
import type { DatabaseHandle, Db } from "@/db/client";
import { approvalRequests, type Payment, payments, refunds } from "@/db/schema";
import { approveRequest } from "@/lib/approvals/decide";
import type { Actor, ServiceContext } from "@/lib/context";
import { submitRefund } from "@/lib/payments/refund";
import { syncPayment } from "@/lib/payments/sync";
import { resetBreakers } from "@/lib/providers/breaker";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { resetActionSession, useActionDb } from "../support/action-session";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline, ctxFor, insertStaff } from "../support/fixtures";
import { refusal } from "../support/refusal";
import { stripeEvent, stripeId, WEBHOOK_SECRET, webhookRequest } from "../support/stripe";
import { type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";

/**
 * docs/approvals.md, with docs/providers.md "Refunds": a held full refund of a Stripe payment,
 * once approved, is recorded pending (with its key) inside the approval's transaction, and Stripe
 * is asked only after the approval committed. A lost answer leaves the refund pending, the approval
 * approved, and nothing can refund the payment again meanwhile.
 */

// The webhook route takes its database from the session module (next-auth): the test's own.
vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };

const AMOUNT = 1_500_000; // 15,000.00 RUB: at least the migration's 10,000.00 RUB full-refund rule

let t: TestDatabase;
let stripe: StripeApiStandIn;
let a: ServiceContext; // the admin who asks
let b: ServiceContext; // the second admin, whose db reports its open transactions
let customerEmail: string;
let open: { transactions: number; opened: number };

/**
 * The database as the approver's context sees it, counting the transactions opened through it
 * (the approval's own, then those of whatever runs after it on the pool). A transaction counts
 * as open until its promise settles, that is until COMMIT (or ROLLBACK) has returned.
 */
function counting(db: Db): { db: Db; open: { transactions: number; opened: number } } {
  const state = { transactions: 0, opened: 0 };
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === "transaction") {
        return async (...args: Parameters<Db["transaction"]>) => {
          state.transactions++;
          state.opened++;
          try {
            return await target.transaction(...args);
          } finally {
            state.transactions--;
          }
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, open: state };
}

beforeAll(async () => {
  stripe = await startStripeApiStandIn();
  vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
  vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
  vi.stubEnv("STRIPE_API_BASE", stripe.url);
  // Short: "Stripe never answers" then costs about a second (the SDK retries twice).
  vi.stubEnv("STRIPE_TIMEOUT_MS", "250");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await stripe.close();
});
beforeEach(async () => {
  stripe.reset();
  resetBreakers();
  resetRejectionBudgets();
  t = await freshDatabase();
  useActionDb(t.db);
  globalForDb.__paydeskDb = Promise.resolve(t);
  const base = await baseline(t.db);
  customerEmail = base.customer.email;
  a = { ...base.ctx, via: "web" };
  const adminB = await insertStaff(t.db, "admin", "second-admin@paydesk.test");
  const actorB: Actor = {
    type: "staff",
    id: adminB.id,
    email: adminB.email,
    name: adminB.name,
    role: "admin",
  };
  const tracked = counting(t.db);
  open = tracked.open;
  b = ctxFor(tracked.db, actorB, { via: "web" });
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(async () => {
  stripe.fault = null;
  vi.restoreAllMocks();
  resetActionSession();
  globalForDb.__paydeskDb = undefined;
  await t.close();
});

/** A succeeded 15,000.00 RUB PaymentIntent at the stand-in, recorded by its webhook. */
async function stripePaid(): Promise<Payment> {
  const intent = stripe.putIntent({
    amount: AMOUNT,
    amount_received: AMOUNT,
    metadata: { paydesk_customer: customerEmail, paydesk_plan: "premium" },
  });
  const res = await stripePOST(
    webhookRequest(stripeEvent("payment_intent.succeeded", intent, stripeId("evt"))),
  );
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.outcome).toBe("processed");
  const [payment] = await t.db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, String(intent.id))));
  expect(payment).toMatchObject({ status: "succeeded", amountMinor: BigInt(AMOUNT), refundedMinor: 0n });
  stripe.requests.length = 0;
  return payment!;
}

/** Admin A asks for the full refund: it is held, nothing is written and Stripe hears nothing. */
async function heldRefund(payment: Payment): Promise<string> {
  const submitted = await submitRefund(a, { paymentId: payment.id, amount: null, reason: "Customer left" });
  if (submitted.status !== "awaiting_approval") throw new Error(`expected held, got ${submitted.status}`);
  expect(await refundRows(payment.id)).toHaveLength(0);
  expect(stripe.requests).toHaveLength(0);
  expect(stripe.refunds.size).toBe(0);
  expect(await requestStatus(submitted.approvalRequestId)).toBe("pending");
  return submitted.approvalRequestId;
}

async function refundRows(paymentId: string) {
  return t.db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
}

async function requestStatus(id: string): Promise<string | undefined> {
  const [row] = await t.db
    .select({ status: approvalRequests.status })
    .from(approvalRequests)
    .where(eq(approvalRequests.id, id));
  return row?.status;
}

async function requestCount(): Promise<number> {
  const [row] = await t.db.select({ n: count() }).from(approvalRequests);
  return Number(row?.n ?? 0);
}

const refundPosts = () => stripe.requests.filter((r) => r.method === "POST" && r.path === "/v1/refunds");

interface SeenAtCall {
  idempotencyKey: string | null;
  /** Transactions open through the approver's db when the stand-in received the call. */
  openTransactions: number;
  /** The request's status read then, outside the approval's transaction. */
  status: Promise<string | undefined>;
}

/**
 * At the moment each refund POST reaches the stand-in: how many of the approver's transactions
 * are open, and (started then, on the pool: another connection on PostgreSQL) what the request's
 * status is. `lose` makes the stand-in do the refund and never answer.
 */
function watchRefundCalls(requestId: string, options: { lose: boolean }): SeenAtCall[] {
  const seen: SeenAtCall[] = [];
  stripe.fault = (req) => {
    if (req.method !== "POST" || req.path !== "/v1/refunds") return null;
    const status = requestStatus(requestId);
    status.catch(() => {});
    seen.push({ idempotencyKey: req.idempotencyKey, openTransactions: open.transactions, status });
    return options.lose ? "hang_after_accept" : null;
  };
  return seen;
}

/** Every call reached Stripe after the approval had committed, and saw it approved. */
async function expectCalledAfterCommit(seen: SeenAtCall[]) {
  expect(seen.length).toBeGreaterThanOrEqual(1);
  // The count is not vacuous: the approval's transaction went through the counted db.
  expect(open.opened).toBeGreaterThanOrEqual(1);
  for (const call of seen) {
    // Exact on both backends: the approval's transaction had returned from COMMIT.
    expect(call.openTransactions, "a transaction was still open when Stripe was asked").toBe(0);
    // On PostgreSQL a separate connection: an uncommitted approval would read as pending.
    // (On single-connection PGlite the read may queue behind an open transaction, so it proves
    // little there: the count above decides.)
    expect(await call.status).toBe("approved");
  }
}

describe(`an approved full refund of a Stripe payment (${backend})`, () => {
  it("is held, then approved by a second admin; Stripe is asked once, after the approval committed", async () => {
    const payment = await stripePaid();
    const requestId = await heldRefund(payment);
    const seen = watchRefundCalls(requestId, { lose: false });

    const decided = await approveRequest(b, { id: requestId, reason: "Checked with the customer" });
    expect(decided.request).toMatchObject({ id: requestId, status: "approved", decidedBy: b.actor.id });
    expect(await requestStatus(requestId)).toBe("approved");
    // Stripe was asked only once the approval had committed.
    await expectCalledAfterCommit(seen);

    const rows = await refundRows(payment.id);
    expect(rows).toHaveLength(1);
    const refund = rows[0]!;
    const key = `paydesk-refund-${refund.id}`;

    // Exactly one refund call, with the refund's key, for the whole amount.
    const posts = refundPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.idempotencyKey).toBe(key);
    expect(stripe.refunds.size).toBe(1);
    const [made] = [...stripe.refunds.values()];
    expect(made).toMatchObject({
      status: "succeeded",
      amount: AMOUNT,
      payment_intent: payment.providerPaymentId,
    });
    expect(made?.metadata).toMatchObject({ paydesk_refund: refund.id, paydesk_payment: payment.id });

    // Settled as Stripe answered.
    expect(refund).toMatchObject({
      status: "succeeded",
      amountMinor: BigInt(AMOUNT),
      idempotencyKey: key,
      providerRefundId: String(made?.id),
      createdByStaffId: a.actor.type === "staff" ? a.actor.id : null,
    });
    const [after] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(after).toMatchObject({ status: "refunded", refundedMinor: BigInt(AMOUNT) });

    // The caller is told what Stripe said.
    expect(decided.followUp).toMatchObject({
      paymentId: payment.id,
      paymentStatus: "refunded",
      refundId: refund.id,
      refundStatus: "succeeded",
      outcome: "succeeded",
    });
    expect(decided.request.result).toMatchObject({ paymentId: payment.id, refundId: refund.id });

    expect(seen.map((s) => s.idempotencyKey)).toEqual([key]);
  });

  it("when Stripe's answer is lost: still approved, the refund stays pending with its key, no second refund", async () => {
    const payment = await stripePaid();
    const requestId = await heldRefund(payment);
    const seen = watchRefundCalls(requestId, { lose: true });

    const started = Date.now();
    const decided = await approveRequest(b, { id: requestId, reason: "Checked with the customer" });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(decided.request.status).toBe("approved");
    expect(await requestStatus(requestId)).toBe("approved");
    // Stripe was asked only once the approval had committed.
    await expectCalledAfterCommit(seen);

    // Nothing rolled back: the refund is recorded, pending, with the key Stripe got.
    const rows = await refundRows(payment.id);
    expect(rows).toHaveLength(1);
    const refund = rows[0]!;
    const key = `paydesk-refund-${refund.id}`;
    expect(refund).toMatchObject({
      status: "pending",
      providerRefundId: null,
      amountMinor: BigInt(AMOUNT),
      idempotencyKey: key,
    });
    expect(decided.followUp).toMatchObject({
      refundId: refund.id,
      refundStatus: "pending",
      outcome: "pending",
    });
    const [after] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(after).toMatchObject({ status: "succeeded", refundedMinor: 0n });

    // Stripe made exactly one refund, whatever the SDK's retries; every call carried the key.
    expect(stripe.refunds.size).toBe(1);
    expect(refundPosts().length).toBeGreaterThanOrEqual(1);
    expect(new Set(refundPosts().map((r) => r.idempotencyKey))).toEqual(new Set([key]));

    // No second refund meanwhile: refused before any rule is matched, nothing held, nothing sent.
    stripe.fault = null;
    const sentBefore = refundPosts().length;
    const requestsBefore = await requestCount();
    const again = await refusal(
      submitRefund(a, { paymentId: payment.id, amount: null, reason: "Customer left (again)" }),
    );
    expect(again.code).toBe("conflict");
    expect(again.message).toMatch(/do not refund again/i);
    expect(refundPosts().length).toBe(sentBefore);
    expect(await requestCount()).toBe(requestsBefore);
    expect(await refundRows(payment.id)).toHaveLength(1);

    // Sync settles it from Stripe's list, sending nothing again: counted once.
    const synced = await syncPayment(a, { paymentId: payment.id, reason: "check the refund" });
    expect(synced.payment).toMatchObject({ status: "refunded", refundedMinor: BigInt(AMOUNT) });
    expect(refundPosts().length).toBe(sentBefore);
    const settled = await refundRows(payment.id);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ id: refund.id, status: "succeeded", idempotencyKey: key });
    expect(stripe.refunds.size).toBe(1);
  });

  it("when Stripe refuses: the approval stands, the refund is closed as failed, and the approver is told why", async () => {
    const payment = await stripePaid();
    const requestId = await heldRefund(payment);
    // Stripe no longer has a successful charge to refund (a 400 it answers for such an intent).
    const intent = stripe.intents.get(String(payment.providerPaymentId));
    if (!intent) throw new Error("the stand-in lost the intent");
    intent.status = "canceled";
    const seen = watchRefundCalls(requestId, { lose: false });

    const decided = await approveRequest(b, { id: requestId, reason: "Checked with the customer" });
    expect(decided.request.status).toBe("approved");
    expect(await requestStatus(requestId)).toBe("approved");
    await expectCalledAfterCommit(seen);
    expect(decided.followUp).toMatchObject({ outcome: "failed" });
    expect(String(decided.followUp?.message)).toMatch(/successful charge to refund/);

    // Nothing counted: the refund is closed, and a new one may be asked for later.
    const rows = await refundRows(payment.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "failed" });
    const [after] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(after).toMatchObject({ status: "succeeded", refundedMinor: 0n });
  });
});
