import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Tx } from "@/db/client";
import {
  type Payment,
  type Plan,
  plans,
  type Subscription,
  type SubscriptionGrant,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";
import { appendAudit } from "../audit/append";
import { type ServiceContext, step } from "../context";
import { emitEvent } from "../events/emit";
import { addDays, extensionStart, replayGrants, statusFor } from "./arithmetic";
import { hasRunningPaidGrant } from "./grants";

export interface SubscriptionEffect {
  subscriptionId: string;
  planCode: string;
  days: number;
  previousEnd: Date | null;
  currentPeriodEnd: Date;
  status: Subscription["status"];
  created: boolean;
}

function snapshot(sub: Pick<Subscription, "status" | "currentPeriodEnd" | "version">) {
  return { status: sub.status, currentPeriodEnd: sub.currentPeriodEnd, version: sub.version };
}

/** Days a payment grants: its explicit grant, else the plan's trial or period length. */
export function grantDaysFor(
  payment: Pick<Payment, "grantDays" | "kind">,
  plan: { trialDays: number; periodDays: number },
): number {
  return payment.grantDays ?? (payment.kind === "trial" ? plan.trialDays : plan.periodDays);
}

/**
 * Extends the customer's subscription for a payment that just entered `succeeded`.
 * The caller holds the payment's row lock; this takes the subscription's (creating it
 * if needed), in that order. The unique grant per payment makes it happen once.
 */
export async function extendForPayment(
  tx: Tx,
  ctx: ServiceContext,
  payment: Payment,
  now: Date,
  reason: string | null,
  /** The payment's plan, when the caller has already read it in this transaction. */
  knownPlan?: Plan,
): Promise<SubscriptionEffect | null> {
  if (!payment.planId) return null;
  // Held for review (a provider payment that does not match its plan): a person decides.
  if (payment.reviewReason) return null;
  const plan =
    knownPlan?.id === payment.planId
      ? knownPlan
      : (await tx.select().from(plans).where(eq(plans.id, payment.planId)))[0];
  if (!plan) return null;
  const days = grantDaysFor(payment, plan);
  if (days <= 0) return null;

  // The common case is a renewal: lock the existing subscription; create it only if missing.
  const mine = and(eq(subscriptions.customerId, payment.customerId), eq(subscriptions.planId, plan.id));
  let [sub] = await tx.select().from(subscriptions).where(mine).for("update");
  let created = false;
  if (!sub) {
    const inserted = await tx
      .insert(subscriptions)
      .values({
        customerId: payment.customerId,
        planId: plan.id,
        status: "expired",
        currentPeriodEnd: now,
        startedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: [subscriptions.customerId, subscriptions.planId] })
      .returning();
    created = inserted.length > 0;
    // Lost a race to create it: the winner has committed by now, so lock theirs.
    [sub] = created ? inserted : await tx.select().from(subscriptions).where(mine).for("update");
  }
  if (!sub) throw new Error("subscription vanished while locked");

  const previousEnd = created ? null : sub.currentPeriodEnd;
  const periodStart = extensionStart(now, previousEnd);
  const periodEnd = addDays(periodStart, days);
  const isTrial = payment.kind === "trial";
  // One grant per payment, by unique constraint: a repeated attempt inserts nothing.
  const granted = await tx
    .insert(subscriptionGrants)
    .values({
      subscriptionId: sub.id,
      paymentId: payment.id,
      days,
      isTrial,
      grantedAt: now,
      periodStart,
      periodEnd,
    })
    .onConflictDoNothing({ target: subscriptionGrants.paymentId })
    .returning({ id: subscriptionGrants.id });
  if (granted.length === 0) return null;
  await step(ctx, "grant.written");

  // A paid grant makes the subscription active; a trial leaves it trialing unless a paid
  // period is still running (one that has already run out does not count).
  const hasPaid = !isTrial || (await hasRunningPaidGrant(tx, sub.id, now));
  const status = statusFor(periodEnd, now, hasPaid);
  const [updated] = await tx
    .update(subscriptions)
    .set({
      status,
      currentPeriodEnd: periodEnd,
      startedAt: created ? now : sub.startedAt,
      canceledAt: null,
      updatedAt: now,
      version: sub.version + 1,
    })
    .where(eq(subscriptions.id, sub.id))
    .returning();
  if (!updated) throw new Error("subscription update lost");
  await step(ctx, "subscription.written");

  await appendAudit(
    tx,
    ctx,
    {
      action: "subscription.extend",
      entityType: "subscription",
      entityId: sub.id,
      before: created ? null : snapshot(sub),
      after: { ...snapshot(updated), grant: { paymentId: payment.id, days, periodStart, periodEnd } },
      reason,
    },
    { entityLocked: true },
  );
  await emitEvent(tx, {
    type: created ? "subscription.created" : "subscription.updated",
    aggregateType: "subscription",
    aggregateId: sub.id,
    payload: { customerId: payment.customerId, plan: plan.code, paymentId: payment.id, ...snapshot(updated) },
    at: now,
  });
  return {
    subscriptionId: sub.id,
    planCode: plan.code,
    days,
    previousEnd,
    currentPeriodEnd: periodEnd,
    status,
    created,
  };
}

/**
 * Takes back what a payment granted (full refund, lost dispute, voided trial, or a partial
 * refund with access revoked). The end date becomes what the remaining live grants explain;
 * with none left, access ends at once (or where this grant began, if that is earlier).
 */
export async function revokeForPayment(
  tx: Tx,
  ctx: ServiceContext,
  payment: Payment,
  now: Date,
  reason: string | null,
): Promise<SubscriptionEffect | null> {
  const [grant] = await tx
    .select()
    .from(subscriptionGrants)
    .where(and(eq(subscriptionGrants.paymentId, payment.id), isNull(subscriptionGrants.revokedAt)));
  if (!grant) return null;
  return replayAfter(tx, ctx, grant, "revoke", now, reason);
}

/**
 * Gives back a grant that was revoked for a reason that no longer holds (a refund that failed
 * at the provider after it was counted). The grant counts again in its original place in the
 * ledger, so the end date is the same replay as if it had never been revoked.
 */
export async function reinstateForPayment(
  tx: Tx,
  ctx: ServiceContext,
  payment: Payment,
  now: Date,
  reason: string | null,
): Promise<SubscriptionEffect | null> {
  const [grant] = await tx
    .select()
    .from(subscriptionGrants)
    .where(and(eq(subscriptionGrants.paymentId, payment.id), isNotNull(subscriptionGrants.revokedAt)));
  if (!grant) return null;
  return replayAfter(tx, ctx, grant, "reinstate", now, reason);
}

/** Flips one grant's revocation under the subscription's lock and replays the live ledger. */
async function replayAfter(
  tx: Tx,
  ctx: ServiceContext,
  grant: SubscriptionGrant,
  change: "revoke" | "reinstate",
  now: Date,
  reason: string | null,
): Promise<SubscriptionEffect> {
  const [sub] = await tx
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.id, grant.subscriptionId))
    .for("update");
  if (!sub) throw new Error("grant without subscription");
  const [plan] = await tx.select({ code: plans.code }).from(plans).where(eq(plans.id, sub.planId));

  await tx
    .update(subscriptionGrants)
    .set(
      change === "revoke"
        ? { revokedAt: now, revokeReason: reason }
        : { revokedAt: null, revokeReason: null },
    )
    .where(eq(subscriptionGrants.id, grant.id));
  await step(ctx, change === "revoke" ? "grant.revoked" : "grant.reinstated");

  const live = await tx
    .select()
    .from(subscriptionGrants)
    .where(and(eq(subscriptionGrants.subscriptionId, sub.id), isNull(subscriptionGrants.revokedAt)))
    .orderBy(asc(subscriptionGrants.appliedSeq));
  const replayed = replayGrants(live);
  const ledgerEnd = replayed ?? new Date(Math.min(now.getTime(), grant.periodStart.getTime()));
  // A canceled subscription stays canceled whatever its grants now say: its end is the ledger's,
  // cut at the cancellation (a refund after cancellation must not give access back).
  const canceled = sub.status === "canceled";
  const end = canceled && sub.canceledAt && sub.canceledAt < ledgerEnd ? sub.canceledAt : ledgerEnd;
  // As on extension: only a paid period still running keeps the subscription "active".
  const status = canceled
    ? "canceled"
    : statusFor(
        end,
        now,
        live.some((g) => !g.isTrial && g.periodEnd > now),
      );

  const [updated] = await tx
    .update(subscriptions)
    .set({ status, currentPeriodEnd: end, updatedAt: now, version: sub.version + 1 })
    .where(eq(subscriptions.id, sub.id))
    .returning();
  if (!updated) throw new Error("subscription update lost");
  await step(ctx, "subscription.written");

  const grantNote = { paymentId: grant.paymentId, days: grant.days };
  await appendAudit(
    tx,
    ctx,
    {
      action: change === "revoke" ? "subscription.revoke" : "subscription.reinstate",
      entityType: "subscription",
      entityId: sub.id,
      before: snapshot(sub),
      after: {
        ...snapshot(updated),
        ...(change === "revoke" ? { revokedGrant: grantNote } : { reinstatedGrant: grantNote }),
      },
      reason,
    },
    { entityLocked: true },
  );
  await emitEvent(tx, {
    type: status === "expired" && sub.status !== "expired" ? "subscription.expired" : "subscription.updated",
    aggregateType: "subscription",
    aggregateId: sub.id,
    payload: {
      customerId: sub.customerId,
      plan: plan?.code,
      paymentId: grant.paymentId,
      ...snapshot(updated),
    },
    at: now,
  });
  return {
    subscriptionId: sub.id,
    planCode: plan?.code ?? "",
    days: change === "revoke" ? -grant.days : grant.days,
    previousEnd: sub.currentPeriodEnd,
    currentPeriodEnd: end,
    status,
    created: false,
  };
}
