import { eq } from "drizzle-orm";
import type { Queryable, Tx } from "@/db/client";
import { customers, payments, plans } from "@/db/schema";
import type { ApprovalRuleKind } from "@/db/schema/approvals";
import type { ServiceContext } from "../context";
import { createPayment } from "../payments/create";
import { lockPayment } from "../payments/lock";
import { type RefundResult, recordApprovedRefund, sendRefund } from "../payments/refund";
import { grantDaysFor } from "../subscriptions/effects";
import type { CreatePaymentInput, RefundInput } from "../validation/payment";
import { type MatchedRule, matchPaymentCreate, matchRefund, type RuleView } from "./match";
import {
  type ActionPreview,
  type PaymentCreatePreview,
  paymentCreatePreview,
  refundPreview,
} from "./previews";
import type { ApprovalGrant, ApprovalRequest } from "./types";

/**
 * For each kind of held action: how to see it against the current state (the same preview and
 * rules as when it was asked), and how to re-run its verb as the requester, approved.
 */
export interface Rerun {
  /** The preview now, and the rules it matches now; null when its subject is gone. */
  recheck(
    tx: Queryable,
    request: ApprovalRequest,
    rules: RuleView[],
    now: Date,
  ): Promise<{ preview: ActionPreview; matched: MatchedRule[] } | { gone: string }>;
  apply(ctx: ServiceContext, request: ApprovalRequest, grant: ApprovalGrant): Promise<Applied>;
}

export interface Applied {
  result: Record<string, unknown>;
  /**
   * What must happen after the approval commits, outside its locks (a provider refund's call to
   * its provider), run as the same context on the pool. Its refusal does not undo the approval:
   * the refund it asks for is already recorded, as on the refund verb's own path.
   */
  afterCommit?: (ctx: ServiceContext) => Promise<Record<string, unknown>>;
}

const createRerun: Rerun = {
  async recheck(tx, request, rules, now) {
    const stored = (request.preview as { payment: Record<string, unknown> }).payment;
    const [customer] = await tx
      .select({ id: customers.id, email: customers.email })
      .from(customers)
      .where(eq(customers.id, String(stored.customerId)));
    if (!customer) return { gone: "The customer no longer exists" };
    const facts: PaymentCreatePreview["payment"] = {
      customerId: customer.id,
      customerEmail: customer.email,
      plan: (stored.plan as string | null) ?? null,
      kind: stored.kind as "manual" | "trial",
      status: stored.status as "pending" | "succeeded",
      amountMinor: BigInt(String(stored.amountMinor)),
      currency: String(stored.currency),
      grantDays: (stored.grantDays as number | null) ?? null,
    };
    const [plan] = facts.plan ? await tx.select().from(plans).where(eq(plans.code, facts.plan)) : [];
    const matched = matchPaymentCreate(rules, {
      kind: facts.kind,
      amountMinor: facts.amountMinor,
      currency: facts.currency,
      daysGranted: plan ? grantDaysFor({ grantDays: facts.grantDays, kind: facts.kind }, plan) : null,
    });
    return { preview: await paymentCreatePreview(tx, facts, now), matched };
  },
  async apply(ctx, request, grant) {
    const result = await createPayment(ctx, request.input as CreatePaymentInput, { approval: grant });
    return {
      result: {
        paymentId: result.payment.id,
        paymentStatus: result.payment.status,
        validUntil: result.subscription?.currentPeriodEnd ?? null,
      },
    };
  },
};

async function refundCheck(
  db: Queryable,
  request: ApprovalRequest,
  rules: RuleView[],
  now: Date,
  lock: boolean,
): Promise<{ preview: ActionPreview; matched: MatchedRule[] } | { gone: string }> {
  const input = request.input as { paymentId: string; revokeAccess: boolean; keepAccess: boolean };
  const stored = request.preview as { refund: { amountMinor: string } };
  // Under approval, the payment's lock, first of the verb's locks (the verb takes it again in
  // this transaction); for the page, a plain read.
  const payment = lock
    ? await lockPayment(db as Tx, input.paymentId).catch(() => null)
    : ((await db.select().from(payments).where(eq(payments.id, input.paymentId)))[0] ?? null);
  if (!payment) return { gone: "The payment no longer exists" };
  const amountMinor = BigInt(stored.refund.amountMinor);
  const remaining = payment.amountMinor - payment.refundedMinor;
  const matched = matchRefund(rules, {
    full: amountMinor === remaining,
    amountMinor,
    currency: payment.currency,
  });
  const preview = await refundPreview(
    db,
    payment,
    { amountMinor, revokeAccess: input.revokeAccess, keepAccess: input.keepAccess },
    now,
  );
  return { preview, matched };
}

function refundSummary(result: RefundResult): Record<string, unknown> {
  return {
    paymentId: result.payment.id,
    paymentStatus: result.payment.status,
    refundId: result.refund.id,
    refundStatus: result.refund.status,
    outcome: result.outcome,
  };
}

const refundRerun: Rerun = {
  recheck: (tx, request, rules, now) => refundCheck(tx, request, rules, now, true),
  async apply(ctx, request, grant) {
    const recorded = await recordApprovedRefund(ctx, request.input as RefundInput, grant);
    if (!("unsent" in recorded)) return { result: refundSummary(recorded) };
    const { payment, refund } = recorded.unsent;
    return {
      result: {
        paymentId: payment.id,
        paymentStatus: payment.status,
        refundId: refund.id,
        refundStatus: refund.status,
      },
      afterCommit: async (after) =>
        refundSummary(await sendRefund(after, payment, refund, { firstAttempt: true })),
    };
  },
};

export const RERUNS: Partial<Record<ApprovalRuleKind, Rerun>> = {
  "payment.create": createRerun,
  "payment.refund_full": refundRerun,
};

/**
 * The preview of a pending request against the current state, for the approver's page: the same
 * computation as the approval's re-check, without locks. Null for an action with no re-run.
 */
export async function currentPreview(
  db: Queryable,
  request: ApprovalRequest,
  rules: RuleView[],
  now: Date,
): Promise<{ preview: ActionPreview } | { gone: string } | null> {
  if (request.action === "payment.refund_full") return refundCheck(db, request, rules, now, false);
  const rerun = RERUNS[request.action];
  return rerun ? rerun.recheck(db, request, rules, now) : null;
}
