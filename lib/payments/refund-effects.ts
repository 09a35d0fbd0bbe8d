import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { type Payment, payments, type Refund, refunds } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { settleRefundedSuggestions } from "../review/suggestions";
import type { SubscriptionEffect } from "../subscriptions/effects";
import { alignAccess, whyAccessTakenAway } from "./access";
import { planRefund } from "./refund-rule";
import { paymentSnapshot } from "./snapshot";
import { checkTransition } from "./state-machine";

/**
 * What a refund does to its payment once the money has actually gone back (the refund
 * succeeded), and how that is undone when a counted refund fails at the provider. Every
 * refund path ends here: manual refunds, refunds started in Paydesk and settled by the
 * provider, and refunds made in the provider's dashboard. The caller holds the payment's
 * row lock and passes the locked row.
 */

export interface RefundEffect {
  payment: Payment;
  refund: Refund;
  subscription: SubscriptionEffect | null;
}

function refundNote(refund: Refund) {
  return {
    id: refund.id,
    amountMinor: refund.amountMinor,
    status: refund.status,
    providerRefundId: refund.providerRefundId,
    revokeAccess: refund.revokedAccess,
    keepAccess: refund.keepAccess,
  };
}

/**
 * Counts a refund that succeeded: the refunded total grows, the status follows (the refund
 * rule), and access follows the access rule (lib/payments/access.ts): revoked when the admin
 * asked for it, or when nothing is left and no refund asked to keep it.
 */
export async function countRefund(
  tx: Tx,
  ctx: ServiceContext,
  args: {
    payment: Payment;
    refund: Refund;
    now: Date;
    reason: string;
    providerStatus?: string | null;
    /** Set when a second admin approved this refund (lib/approvals): the audit entry names them. */
    approval?: { requestId: string; approvedBy: { id: string; email: string } };
  },
): Promise<RefundEffect> {
  const { payment: before, refund: pending, now, reason } = args;
  const plan = planRefund(before, pending.amountMinor);
  if (!plan.ok) throw new ServiceError("invalid_transition", plan.message);

  const [refund] = await tx
    .update(refunds)
    .set({
      status: "succeeded",
      providerStatus: args.providerStatus ?? pending.providerStatus,
      failureReason: null,
      updatedAt: now,
      settledAt: now,
    })
    .where(eq(refunds.id, pending.id))
    .returning();
  if (!refund) throw new Error("refund update lost");
  const [payment] = await tx
    .update(payments)
    .set({
      status: plan.target,
      refundedMinor: before.refundedMinor + plan.amountMinor,
      updatedAt: now,
      version: before.version + 1,
    })
    .where(eq(payments.id, before.id))
    .returning();
  if (!payment) throw new Error("payment update lost");
  await step(ctx, "payment.status_written");
  // A refund suggestion this refund answers (user.deleted) leaves the review list with it.
  await settleRefundedSuggestions(tx, now, payment.id);

  // Recorded with the refund: whether access goes with it (the admin's choice, or the refund
  // that completes the total), as the pages and the overview describe it.
  const takesAccess = (await whyAccessTakenAway(tx, payment)) !== null;
  await appendAudit(
    tx,
    ctx,
    {
      action: "payment.refund",
      entityType: "payment",
      entityId: payment.id,
      before: paymentSnapshot(before),
      after: {
        ...paymentSnapshot(payment),
        refund: { ...refundNote(refund), revokeAccess: takesAccess },
        ...(args.approval ? { approval: args.approval } : {}),
      },
      reason,
    },
    { entityLocked: true },
  );
  const subscription = await alignAccess(tx, ctx, payment, now, reason);
  await emitEvent(tx, {
    type: "payment.refunded",
    aggregateType: "payment",
    aggregateId: payment.id,
    payload: {
      ...paymentSnapshot(payment),
      refundId: refund.id,
      refundMinor: refund.amountMinor,
      providerRefundId: refund.providerRefundId,
      subscription,
    },
    at: now,
  });
  await step(ctx, "payment.done");
  return { payment, refund, subscription };
}

/**
 * A refund that never counted (pending) failed or was canceled at the provider: it is closed
 * as failed; the payment and access were never changed by it, so nothing else moves.
 */
export async function failPendingRefund(
  tx: Tx,
  ctx: ServiceContext,
  args: {
    payment: Payment;
    refund: Refund;
    now: Date;
    failureReason: string;
    providerStatus?: string | null;
  },
): Promise<RefundEffect> {
  const { payment, refund: before, now } = args;
  const refund = await closeAsFailed(tx, before, args);
  await appendAudit(
    tx,
    ctx,
    {
      action: "payment.refund_failed",
      entityType: "payment",
      entityId: payment.id,
      before: { refund: refundNote(before) },
      after: { refund: refundNote(refund) },
      reason: args.failureReason,
    },
    { entityLocked: true },
  );
  await emitRefundFailed(tx, { payment, refund, counted: false, subscription: null, now });
  return { payment, refund, subscription: null };
}

/**
 * A refund that had succeeded (and was counted) failed at the provider afterwards: the money
 * is the merchant's again. The refunded total comes back, the status follows (the reversal
 * transition), and access follows the access rule (lib/payments/access.ts): a grant taken
 * away for this refund comes back unless something else still takes it away.
 */
export async function reverseRefund(
  tx: Tx,
  ctx: ServiceContext,
  args: {
    payment: Payment;
    refund: Refund;
    now: Date;
    failureReason: string;
    providerStatus?: string | null;
  },
): Promise<RefundEffect> {
  const { payment: before, refund: counted, now } = args;
  const refundedMinor = before.refundedMinor - counted.amountMinor;
  if (refundedMinor < 0n) throw new Error("reversal below zero");
  const target = refundedMinor === 0n ? "succeeded" : "partially_refunded";
  const check = checkTransition(before.status, target, "reversal", before.amountMinor);
  if (!check.ok) throw new ServiceError("invalid_transition", check.reason);

  const refund = await closeAsFailed(tx, counted, args);
  const [payment] = await tx
    .update(payments)
    .set({ status: target, refundedMinor, updatedAt: now, version: before.version + 1 })
    .where(eq(payments.id, before.id))
    .returning();
  if (!payment) throw new Error("payment update lost");
  await step(ctx, "payment.status_written");

  await appendAudit(
    tx,
    ctx,
    {
      action: "payment.refund_reversed",
      entityType: "payment",
      entityId: payment.id,
      before: { ...paymentSnapshot(before), refund: refundNote(counted) },
      after: { ...paymentSnapshot(payment), refund: refundNote(refund) },
      reason: args.failureReason,
    },
    { entityLocked: true },
  );

  const subscription = await alignAccess(tx, ctx, payment, now, args.failureReason);
  await emitRefundFailed(tx, { payment, refund, counted: true, subscription, now });
  await step(ctx, "payment.done");
  return { payment, refund, subscription };
}

/** Marks a refund failed at the provider, with why. */
async function closeAsFailed(
  tx: Tx,
  before: Refund,
  args: { now: Date; failureReason: string; providerStatus?: string | null },
): Promise<Refund> {
  const [refund] = await tx
    .update(refunds)
    .set({
      status: "failed",
      failureReason: args.failureReason,
      providerStatus: args.providerStatus ?? before.providerStatus,
      updatedAt: args.now,
      settledAt: args.now,
    })
    .where(eq(refunds.id, before.id))
    .returning();
  if (!refund) throw new Error("refund update lost");
  return refund;
}

/** `payment.refund_failed`: `counted` says whether the refund had been counted (and is now reversed). */
async function emitRefundFailed(
  tx: Tx,
  e: {
    payment: Payment;
    refund: Refund;
    counted: boolean;
    subscription: SubscriptionEffect | null;
    now: Date;
  },
): Promise<void> {
  await emitEvent(tx, {
    type: "payment.refund_failed",
    aggregateType: "payment",
    aggregateId: e.payment.id,
    payload: {
      ...paymentSnapshot(e.payment),
      refundId: e.refund.id,
      refundMinor: e.refund.amountMinor,
      providerRefundId: e.refund.providerRefundId,
      counted: e.counted,
      failureReason: e.refund.failureReason,
      subscription: e.subscription,
    },
    at: e.now,
  });
}
