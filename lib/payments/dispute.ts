import { eq } from "drizzle-orm";
import { type Payment, payments } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { lockPayment } from "./lock";

export interface DisputeInput {
  paymentId: string;
  /** The provider's dispute id (Stripe `dp_…`). */
  disputeId: string;
  amountMinor: bigint;
  currency: string;
  /** The provider's dispute reason (`fraudulent`, `general`, …), if any. */
  disputeReason: string | null;
  status: string | null;
  reason: string;
}

export interface DisputeResult {
  payment: Payment;
  /** False when the payment was already flagged: nothing was written. */
  flagged: boolean;
}

/**
 * Flags a payment as disputed (a chargeback was opened with the provider) and puts the
 * dispute on its timeline. The status and the customer's access stay as they are: a
 * dispute is decided later, and a lost one arrives as its own refund or reversal.
 */
export async function flagPaymentDisputed(ctx: ServiceContext, input: DisputeInput): Promise<DisputeResult> {
  assertCan(ctx, "payment.update");
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const before = await lockPayment(tx, input.paymentId);
    if (before.disputed) return { payment: before, flagged: false };
    const [payment] = await tx
      .update(payments)
      .set({ disputed: true, updatedAt: now, version: before.version + 1 })
      .where(eq(payments.id, before.id))
      .returning();
    if (!payment) throw new Error("payment update lost");
    await step(ctx, "payment.dispute_written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "payment.dispute",
        entityType: "payment",
        entityId: payment.id,
        before: { disputed: false, version: before.version },
        after: {
          disputed: true,
          version: payment.version,
          dispute: {
            id: input.disputeId,
            amountMinor: input.amountMinor,
            currency: input.currency,
            reason: input.disputeReason,
            status: input.status,
          },
        },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    return { payment, flagged: true };
  });
}
