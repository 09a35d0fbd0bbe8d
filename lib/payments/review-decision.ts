import { eq } from "drizzle-orm";
import { type Payment, payments } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { extendForPayment, type SubscriptionEffect } from "../subscriptions/effects";
import { parseInput } from "../validation/parse";
import { type ReviewDecisionInput, reviewDecisionInput } from "../validation/payment";
import { lockPayment } from "./lock";
import { paymentSnapshot } from "./snapshot";

export interface ReviewDecisionResult {
  payment: Payment;
  subscription: SubscriptionEffect | null;
}

/**
 * An admin decides a provider payment held for review (another currency than its plan's, or
 * below its price): `grant` gives the plan's period as if it had matched; `dismiss` keeps it
 * recorded without access. Either way it leaves the review list.
 */
export async function decideReview(
  ctx: ServiceContext,
  raw: ReviewDecisionInput,
): Promise<ReviewDecisionResult> {
  assertCan(ctx, "review.resolve");
  const input = parseInput(reviewDecisionInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const before = await lockPayment(tx, input.paymentId);
    if (!before.reviewReason)
      throw new ServiceError("invalid_transition", "This payment is not held for review");
    const [payment] = await tx
      .update(payments)
      .set({ reviewReason: null, updatedAt: now, version: before.version + 1 })
      .where(eq(payments.id, before.id))
      .returning();
    if (!payment) throw new Error("payment update lost");
    await step(ctx, "payment.review_written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "payment.review_decided",
        entityType: "payment",
        entityId: payment.id,
        before: { ...paymentSnapshot(before), reviewReason: before.reviewReason },
        after: { ...paymentSnapshot(payment), reviewReason: null, decision: input.decision },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    const grantable = payment.status === "succeeded" || payment.status === "partially_refunded";
    const subscription =
      input.decision === "grant" && grantable
        ? await extendForPayment(tx, ctx, payment, now, input.reason)
        : null;
    if (input.decision === "grant" && !grantable) {
      throw new ServiceError(
        "invalid_transition",
        `A ${payment.status.replaceAll("_", " ")} payment grants nothing`,
      );
    }
    return { payment, subscription };
  });
}
