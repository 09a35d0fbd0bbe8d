import { eq } from "drizzle-orm";
import { type Payment, payments, type Refund, refunds } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { actorLabel, assertCan, nowOf, type ServiceContext, step } from "../context";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { parseAmount } from "../money/money";
import { revokeForPayment, type SubscriptionEffect } from "../subscriptions/effects";
import { parseInput } from "../validation/parse";
import { type RefundInput, refundInput } from "../validation/payment";
import { lockPayment } from "./lock";
import { planRefund } from "./refund-rule";
import { paymentSnapshot } from "./snapshot";

export interface RefundResult {
  payment: Payment;
  refund: Refund;
  subscription: SubscriptionEffect | null;
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

  try {
    return await ctx.db.transaction(async (tx) => {
      const before = await lockPayment(tx, input.paymentId);
      let requested: bigint | null = null;
      // A zero-amount payment is refused as such, before its amount is looked at.
      if (input.amount && before.amountMinor !== 0n) {
        const parsed = parseAmount(input.amount, before.currency);
        if (!parsed.ok) throw ServiceError.field("amount", parsed.error);
        requested = parsed.minor;
      }
      const plan = planRefund(before, requested);
      if (!plan.ok) {
        throw plan.field === "amount"
          ? ServiceError.field("amount", plan.message)
          : new ServiceError("invalid_transition", plan.message);
      }
      const { amountMinor, target } = plan;
      if (before.provider !== "manual" && !options.providerRefundId) {
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
          providerRefundId: options.providerRefundId ?? null,
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
    if (isUniqueViolation(err, "refunds_provider_refund_key")) {
      throw new ServiceError("conflict", `Refund ${options.providerRefundId} is already recorded`);
    }
    throw err;
  }
}
