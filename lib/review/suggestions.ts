import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db/client";
import { customers, payments, type RefundSuggestion, refundSuggestions, refunds } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext } from "../context";
import { ERASED_NAME } from "../customers/erase";
import { ServiceError } from "../errors";
import { reason } from "../validation/common";
import { parseInput } from "../validation/parse";

const LIMIT = 200;

export interface RefundSuggestionItem {
  id: string;
  paymentId: string;
  customerId: string;
  /** The customer's email, or "Erased customer" once erased. */
  customerLabel: string;
  erased: boolean;
  amountMinor: bigint;
  currency: string;
  /** What is still refundable of the payment now (never less relevant than the suggestion). */
  refundableMinor: bigint;
  reason: string;
  source: string;
  since: Date;
}

/**
 * Marks a payment's open suggestions refunded once the money went back: the payment is fully
 * refunded, or refunds of it that succeeded since the suggestion add up to at least its amount.
 * Called by the refund rule when a refund counts (lib/payments/refund-effects.ts), inside its
 * transaction, so reading /review never writes.
 */
export async function settleRefundedSuggestions(tx: Tx, now: Date, paymentId: string): Promise<number> {
  const settled = await tx
    .update(refundSuggestions)
    .set({ status: "refunded", resolvedAt: now })
    .where(
      and(
        eq(refundSuggestions.paymentId, paymentId),
        eq(refundSuggestions.status, "open"),
        sql`(
          exists (select 1 from ${payments} where ${payments.id} = ${refundSuggestions.paymentId}
            and ${payments.status} = 'refunded')
          or ${refundSuggestions.amountMinor} <= (
            select coalesce(sum(${refunds.amountMinor}), 0) from ${refunds}
            where ${refunds.paymentId} = ${refundSuggestions.paymentId}
              and ${refunds.status} = 'succeeded'
              and ${refunds.createdAt} >= ${refundSuggestions.createdAt}))`,
      ),
    )
    .returning({ id: refundSuggestions.id });
  return settled.length;
}

/** Open suggestions, oldest first. */
export async function listRefundSuggestions(db: Db): Promise<RefundSuggestionItem[]> {
  const rows = await db
    .select({
      suggestion: refundSuggestions,
      email: customers.email,
      erasedAt: customers.erasedAt,
      amountMinor: payments.amountMinor,
      refundedMinor: payments.refundedMinor,
    })
    .from(refundSuggestions)
    .innerJoin(payments, eq(payments.id, refundSuggestions.paymentId))
    .innerJoin(customers, eq(customers.id, refundSuggestions.customerId))
    .where(eq(refundSuggestions.status, "open"))
    .orderBy(asc(refundSuggestions.createdAt), asc(refundSuggestions.id))
    .limit(LIMIT);
  return rows.map(({ suggestion: s, email, erasedAt, amountMinor, refundedMinor }) => ({
    id: s.id,
    paymentId: s.paymentId,
    customerId: s.customerId,
    customerLabel: erasedAt ? ERASED_NAME : email,
    erased: erasedAt !== null,
    amountMinor: s.amountMinor,
    currency: s.currency,
    refundableMinor: amountMinor - refundedMinor,
    reason: s.reason,
    source: s.source,
    since: s.createdAt,
  }));
}

export const dismissSuggestionInput = z.object({
  suggestionId: z.uuid("Not a valid suggestion id"),
  reason,
});
export type DismissSuggestionInput = z.input<typeof dismissSuggestionInput>;

/** An admin decides the suggested money does not go back: it leaves the review list, audited. */
export async function dismissRefundSuggestion(
  ctx: ServiceContext,
  raw: DismissSuggestionInput,
): Promise<RefundSuggestion> {
  assertCan(ctx, "review.resolve");
  const input = parseInput(dismissSuggestionInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(refundSuggestions)
      .where(eq(refundSuggestions.id, input.suggestionId))
      .for("update");
    if (!before) throw ServiceError.notFound("No such refund suggestion");
    if (before.status !== "open") {
      throw new ServiceError("invalid_transition", `This suggestion is ${before.status} already`);
    }
    const [after] = await tx
      .update(refundSuggestions)
      .set({
        status: "dismissed",
        resolvedAt: now,
        resolvedByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null,
      })
      .where(eq(refundSuggestions.id, before.id))
      .returning();
    if (!after) throw new Error("suggestion update lost");
    await appendAudit(
      tx,
      ctx,
      {
        action: "refund_suggestion.dismiss",
        entityType: "refund_suggestion",
        entityId: before.id,
        before: { status: before.status, paymentId: before.paymentId, amountMinor: before.amountMinor },
        after: { status: after.status, paymentId: after.paymentId, amountMinor: after.amountMinor },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    return after;
  });
}
