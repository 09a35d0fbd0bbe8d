import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { plans, type Subscription, subscriptionGrants, subscriptions } from "@/db/schema";
import type { SubscriptionStatus } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import { type ServiceContext, step } from "../context";
import { emitEvent } from "../events/emit";
import { explainLedger } from "../subscriptions/ledger";

/** Statuses that still grant access while the end date is ahead. */
const RUNNING: readonly SubscriptionStatus[] = ["active", "trialing", "past_due"];

/** A paid period that was still running (or not yet started) when its subscription was canceled. */
export interface RunningPaidPeriod {
  paymentId: string;
  subscriptionId: string;
  /** The period the ledger counts the grant for (which a revoked earlier grant may have shifted). */
  start: Date;
  end: Date;
}

export interface CanceledSubscription {
  subscriptionId: string;
  plan: string;
  /** The end the live grants explain, where access would have ended without the cancellation. */
  ledgerEnd: Date;
  runningPaid: RunningPaidPeriod[];
}

function snapshot(sub: Pick<Subscription, "status" | "currentPeriodEnd" | "version">) {
  return { status: sub.status, currentPeriodEnd: sub.currentPeriodEnd, version: sub.version };
}

/**
 * Cancels every running subscription of a customer at `now`: status `canceled`, access ends now
 * (`current_period_end` = `canceled_at` = now). The grants stay as they are: the periods were
 * bought and not refunded, so nothing in the ledger is revoked (a revoked grant would come back
 * as soon as a partial refund re-checks access). The end date is the ledger's replay cut at
 * `canceled_at`; the audit entry records both (docs/erasure.md).
 *
 * The caller holds the customer's payments' locks already: payments first, then subscriptions.
 */
export async function cancelRunningSubscriptions(
  tx: Tx,
  ctx: ServiceContext,
  customerId: string,
  now: Date,
  reason: string,
): Promise<CanceledSubscription[]> {
  const running = await tx
    .select({ subscription: subscriptions, plan: plans.code })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(
      and(
        eq(subscriptions.customerId, customerId),
        inArray(subscriptions.status, [...RUNNING]),
        gt(subscriptions.currentPeriodEnd, now),
      ),
    )
    .orderBy(asc(subscriptions.id))
    .for("update", { of: subscriptions });

  const out: CanceledSubscription[] = [];
  for (const { subscription: sub, plan } of running) {
    const grants = await tx
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.subscriptionId, sub.id))
      .orderBy(asc(subscriptionGrants.appliedSeq));
    const ledger = explainLedger(grants);
    const runningPaid: RunningPaidPeriod[] = ledger.steps.flatMap((s) =>
      s.counted && s.counted.end > now && !s.grant.isTrial
        ? [
            {
              paymentId: s.grant.paymentId,
              subscriptionId: sub.id,
              start: s.counted.start,
              end: s.counted.end,
            },
          ]
        : [],
    );

    const [updated] = await tx
      .update(subscriptions)
      .set({
        status: "canceled",
        canceledAt: now,
        currentPeriodEnd: now,
        updatedAt: now,
        version: sub.version + 1,
      })
      .where(eq(subscriptions.id, sub.id))
      .returning();
    if (!updated) throw new Error("subscription update lost");
    await step(ctx, "subscription.canceled");

    const ledgerEnd = ledger.end ?? sub.currentPeriodEnd;
    await appendAudit(
      tx,
      ctx,
      {
        action: "subscription.cancel",
        entityType: "subscription",
        entityId: sub.id,
        before: snapshot(sub),
        after: {
          ...snapshot(updated),
          canceledAt: now,
          ledgerEnd,
          unusedPaidPeriods: runningPaid.map((p) => ({ paymentId: p.paymentId, start: p.start, end: p.end })),
        },
        reason,
      },
      { entityLocked: true },
    );
    await emitEvent(tx, {
      type: "subscription.canceled",
      aggregateType: "subscription",
      aggregateId: sub.id,
      // The same shape as the other subscription.* events, plus when and why (docs/events.md).
      payload: { customerId, plan, ...snapshot(updated), canceledAt: now, reason: "user_deleted" },
      at: now,
    });
    out.push({ subscriptionId: sub.id, plan, ledgerEnd, runningPaid });
  }
  return out;
}
