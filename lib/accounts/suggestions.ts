import { and, eq, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { type Payment, type RefundSuggestion, refundSuggestions, refunds } from "@/db/schema";
import { appendAudit } from "../audit/append";
import type { ServiceContext } from "../context";
import type { RunningPaidPeriod } from "./cancel";
import { prorateUnused, unusedDaysPhrase } from "./proration";

/** What produced these suggestions; one suggestion per payment and source (unique index). */
export const USER_DELETED_SOURCE = "user.deleted";

/**
 * Writes a refund suggestion for the unused part of each paid period that was still running
 * when the user was deleted. Nothing is refunded: an admin confirms on the review list.
 * The caller holds the payments' locks, so no refund of them can start or settle meanwhile.
 *
 * No suggestion for: a period with nothing left to give back (trials, fully refunded, already
 * ended), or a disputed payment (the dispute decides where its money goes).
 */
export async function suggestUnusedRefunds(
  tx: Tx,
  ctx: ServiceContext,
  args: { customerId: string; periods: RunningPaidPeriod[]; payments: Map<string, Payment>; now: Date },
): Promise<RefundSuggestion[]> {
  const written: RefundSuggestion[] = [];
  for (const period of args.periods) {
    const payment = args.payments.get(period.paymentId);
    if (!payment) throw new Error(`payment ${period.paymentId} of a running grant was not locked`);
    if (payment.status !== "succeeded" && payment.status !== "partially_refunded") continue;
    if (payment.disputed || payment.amountMinor === 0n) continue;

    const [pending] = await tx
      .select({ sum: sql<string>`coalesce(sum(${refunds.amountMinor}), 0)::text` })
      .from(refunds)
      .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "pending")));
    const proration = prorateUnused({
      amountMinor: payment.amountMinor,
      refundedMinor: payment.refundedMinor,
      pendingRefundMinor: BigInt(pending?.sum ?? "0"),
      periodStart: period.start,
      periodEnd: period.end,
      now: args.now,
    });
    if (proration.amountMinor <= 0n) continue;

    const reason = `User deleted: ${unusedDaysPhrase(proration)}`;
    const [suggestion] = await tx
      .insert(refundSuggestions)
      .values({
        paymentId: payment.id,
        customerId: args.customerId,
        amountMinor: proration.amountMinor,
        currency: payment.currency,
        reason,
        source: USER_DELETED_SOURCE,
        createdAt: args.now,
      })
      .onConflictDoNothing({ target: [refundSuggestions.paymentId, refundSuggestions.source] })
      .returning();
    if (!suggestion) continue;
    await appendAudit(
      tx,
      ctx,
      {
        action: "refund_suggestion.create",
        entityType: "refund_suggestion",
        entityId: suggestion.id,
        after: {
          paymentId: payment.id,
          amountMinor: suggestion.amountMinor,
          currency: suggestion.currency,
          source: suggestion.source,
          period: { start: period.start, end: period.end },
          unusedMs: proration.unusedMs,
          remainingMinor: payment.amountMinor - payment.refundedMinor,
        },
        reason,
      },
      { entityLocked: true },
    );
    written.push(suggestion);
  }
  return written;
}
