import { and, eq } from "drizzle-orm";
import { type Payment, payments, type Refund, refunds } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { actorLabel, assertCan, nowOf, type ServiceContext, step } from "../context";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { revokeForPayment, type SubscriptionEffect } from "../subscriptions/effects";
import { parseInput } from "../validation/parse";
import { type RefundInput, refundInput } from "../validation/payment";
import { lockPayment } from "./lock";
import { refundAtProvider } from "./provider-refund";
import { requireRefundPlan } from "./refund-rule";
import { paymentSnapshot } from "./snapshot";

export interface RefundResult {
  payment: Payment;
  refund: Refund;
  subscription: SubscriptionEffect | null;
  /** The provider's refund was already recorded (by its webhook): nothing was written now. */
  alreadyRecorded?: boolean;
}

export interface RefundOptions {
  /** Set when the provider itself reports (or has accepted) the refund. */
  providerRefundId?: string;
}

/**
 * Refunds all or part of what is left of a succeeded payment. A full refund revokes the
 * payment's grant; a partial one keeps it unless `revokeAccess` is set.
 */
export async function refundPayment(
  ctx: ServiceContext,
  raw: RefundInput,
  options: RefundOptions = {},
): Promise<RefundResult> {
  assertCan(ctx, "payment.refund");
  const input = parseInput(refundInput, raw);
  const now = nowOf(ctx);
  // A provider that holds the money is asked first, outside the transaction: no row lock is
  // held over a network call. Everything is checked again under the lock below.
  const providerRefundId = options.providerRefundId ?? (await refundAtProvider(ctx, input)) ?? undefined;

  try {
    return await ctx.db.transaction(async (tx) => {
      const before = await lockPayment(tx, input.paymentId);
      if (providerRefundId) {
        // The provider's webhook may have recorded this very refund while we waited for it.
        const [recorded] = await tx
          .select()
          .from(refunds)
          .where(and(eq(refunds.provider, before.provider), eq(refunds.providerRefundId, providerRefundId)));
        if (recorded) return { payment: before, refund: recorded, subscription: null, alreadyRecorded: true };
      }
      const { amountMinor, target } = requireRefundPlan(before, input.amount);
      if (before.provider !== "manual" && !providerRefundId) {
        // The provider holds the money: it must accept the refund before anything changes here.
        throw new ServiceError(
          "provider_unavailable",
          `This payment was taken by ${before.provider}; refund it through ${before.provider} (not connected here)`,
        );
      }

      const [refund] = await tx
        .insert(refunds)
        .values({
          paymentId: before.id,
          amountMinor,
          currency: before.currency,
          reason: input.reason,
          provider: before.provider,
          providerRefundId: providerRefundId ?? null,
          status: "succeeded",
          revokedAccess: target === "refunded" || input.revokeAccess,
          actor: actorLabel(ctx.actor),
          createdByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null,
          createdAt: now,
        })
        .returning();
      if (!refund) throw new Error("refund insert returned nothing");

      const [payment] = await tx
        .update(payments)
        .set({
          status: target,
          refundedMinor: before.refundedMinor + amountMinor,
          updatedAt: now,
          version: before.version + 1,
        })
        .where(eq(payments.id, before.id))
        .returning();
      if (!payment) throw new Error("payment update lost");
      await step(ctx, "payment.status_written");

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
            refund: {
              id: refund.id,
              amountMinor,
              providerRefundId: refund.providerRefundId,
              revokeAccess: refund.revokedAccess,
            },
          },
          reason: input.reason,
        },
        { entityLocked: true },
      );

      const subscription = refund.revokedAccess
        ? await revokeForPayment(tx, ctx, payment, now, input.reason)
        : null;
      await emitEvent(tx, {
        type: "payment.refunded",
        aggregateType: "payment",
        aggregateId: payment.id,
        payload: { ...paymentSnapshot(payment), refundId: refund.id, refundMinor: amountMinor, subscription },
        at: now,
      });
      await step(ctx, "payment.done");
      return { payment, refund, subscription };
    });
  } catch (err) {
    if (isUniqueViolation(err, "refunds_provider_refund_key") && providerRefundId) {
      // Lost a race with the provider's webhook recording the same refund: it is recorded.
      const [recorded] = await ctx.db
        .select()
        .from(refunds)
        .where(and(eq(refunds.paymentId, input.paymentId), eq(refunds.providerRefundId, providerRefundId)));
      const [payment] = recorded
        ? await ctx.db.select().from(payments).where(eq(payments.id, recorded.paymentId))
        : [];
      if (recorded && payment)
        return { payment, refund: recorded, subscription: null, alreadyRecorded: true };
      throw new ServiceError("conflict", `Refund ${providerRefundId} is already recorded`);
    }
    throw err;
  }
}
