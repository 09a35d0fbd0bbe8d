import { eq } from "drizzle-orm";
import { type Payment, payments } from "@/db/schema";
import type { PaymentStatus } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { type DomainEventType, emitEvent } from "../events/emit";
import { extendForPayment, revokeForPayment, type SubscriptionEffect } from "../subscriptions/effects";
import { parseInput } from "../validation/parse";
import { type ChangeStatusInput, changeStatusInput } from "../validation/payment";
import { lockPayment } from "./lock";
import { paymentSnapshot } from "./snapshot";
import { checkTransition, manualChangeRefusal } from "./state-machine";

export interface ChangeStatusResult {
  payment: Payment;
  /** False when the payment already had the status: nothing was written. */
  changed: boolean;
  previousStatus: PaymentStatus;
  subscription: SubscriptionEffect | null;
}

const EVENT_FOR: Partial<Record<PaymentStatus, DomainEventType>> = {
  processing: "payment.processing",
  succeeded: "payment.completed",
  failed: "payment.failed",
  canceled: "payment.canceled",
};

/**
 * Moves a manual payment through the state machine by hand. Entering `succeeded` extends the
 * subscription; voiding a succeeded trial revokes its grant. A provider's payment is refused
 * whoever asks: its status follows the provider (lib/payments/apply-provider-state.ts).
 */
export async function changePaymentStatus(
  ctx: ServiceContext,
  raw: ChangeStatusInput,
): Promise<ChangeStatusResult> {
  assertCan(ctx, "payment.change_status");
  const input = parseInput(changeStatusInput, raw);
  const now = nowOf(ctx);

  return ctx.db.transaction(async (tx) => {
    const before = await lockPayment(tx, input.paymentId);
    const refusal = manualChangeRefusal(before);
    if (refusal) throw new ServiceError("invalid_transition", refusal);
    const check = checkTransition(before.status, input.status, "manual", before.amountMinor);
    if (!check.ok) throw new ServiceError("invalid_transition", check.reason);
    if (check.noop)
      return { payment: before, changed: false, previousStatus: before.status, subscription: null };

    const [payment] = await tx
      .update(payments)
      .set({
        status: input.status,
        succeededAt: input.status === "succeeded" ? now : before.succeededAt,
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
        action: "payment.status_change",
        entityType: "payment",
        entityId: payment.id,
        before: paymentSnapshot(before),
        after: paymentSnapshot(payment),
        reason: input.reason,
      },
      { entityLocked: true },
    );

    let subscription: SubscriptionEffect | null = null;
    if (payment.status === "succeeded") {
      subscription = await extendForPayment(tx, ctx, payment, now, input.reason);
    } else if (before.status === "succeeded" && payment.status === "canceled") {
      subscription = await revokeForPayment(tx, ctx, payment, now, input.reason);
    }

    const type = EVENT_FOR[payment.status];
    if (type) {
      await emitEvent(tx, {
        type,
        aggregateType: "payment",
        aggregateId: payment.id,
        payload: { ...paymentSnapshot(payment), previousStatus: before.status, subscription },
        at: now,
      });
    }
    await step(ctx, "payment.done");
    return { payment, changed: true, previousStatus: before.status, subscription };
  });
}
