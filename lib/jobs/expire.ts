import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { plans, type Subscription, subscriptions } from "@/db/schema";
import type { SubscriptionStatus } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import { type ServiceContext, systemContext } from "../context";
import { emitEvent } from "../events/emit";

export const EXPIRER = "system:scheduler" as const;
/** How many subscriptions one run expires (oldest end first); the next run takes the rest. */
export const DEFAULT_EXPIRE_BATCH = 500;
/** Statuses that still grant access, and so become `expired` once their period has passed. */
const DUE_STATUSES: readonly SubscriptionStatus[] = ["active", "trialing", "past_due"];

export interface ExpireOptions {
  now?: Date;
  limit?: number;
}

function snapshot(sub: Pick<Subscription, "status" | "currentPeriodEnd" | "version">) {
  return { status: sub.status, currentPeriodEnd: sub.currentPeriodEnd, version: sub.version };
}

function isDue(sub: Pick<Subscription, "status" | "currentPeriodEnd">, now: Date): boolean {
  return DUE_STATUSES.includes(sub.status) && sub.currentPeriodEnd <= now;
}

/**
 * The clock: subscriptions still `active`, `trialing` or `past_due` whose paid period has
 * ended are written `expired` (readers already derive this from the end date; this makes it
 * stored, audited as `system:scheduler`, and announced with a `subscription.expired` event).
 *
 * Each subscription is expired in its own transaction under its row lock. Rows another
 * transaction holds (a payment extending it, or another instance of this job) are skipped and
 * left for the next run; the due check is repeated under the lock, so a subscription extended
 * after it was selected is left alone. Running it again expires nothing more.
 */
export async function expireSubscriptions(
  db: Db,
  options: ExpireOptions = {},
): Promise<{ expired: number; ids: string[] }> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? DEFAULT_EXPIRE_BATCH;

  // Served by subscriptions_status_end_idx (status, current_period_end).
  const due = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(and(inArray(subscriptions.status, [...DUE_STATUSES]), lte(subscriptions.currentPeriodEnd, now)))
    .orderBy(asc(subscriptions.currentPeriodEnd), asc(subscriptions.id))
    .limit(limit);

  const ids: string[] = [];
  for (const { id } of due) {
    if (await expireOne(db, id, now)) ids.push(id);
  }
  return { expired: ids.length, ids };
}

async function expireOne(db: Db, id: string, now: Date): Promise<boolean> {
  const ctx: ServiceContext = { ...systemContext(db, EXPIRER), now: () => now };
  return db.transaction(async (tx) => {
    const [sub] = await tx
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, id))
      .for("update", { skipLocked: true });
    // Locked elsewhere (the next run sees it again), or no longer due under the lock.
    if (!sub || !isDue(sub, now)) return false;

    const [updated] = await tx
      .update(subscriptions)
      .set({ status: "expired", updatedAt: now, version: sub.version + 1 })
      .where(eq(subscriptions.id, sub.id))
      .returning();
    if (!updated) throw new Error("subscription update lost");
    const [plan] = await tx.select({ code: plans.code }).from(plans).where(eq(plans.id, sub.planId));

    await appendAudit(
      tx,
      ctx,
      {
        action: "subscription.expire",
        entityType: "subscription",
        entityId: sub.id,
        before: snapshot(sub),
        after: snapshot(updated),
        reason: "The paid period ended",
      },
      { entityLocked: true },
    );
    await emitEvent(tx, {
      type: "subscription.expired",
      aggregateType: "subscription",
      aggregateId: sub.id,
      payload: { customerId: sub.customerId, plan: plan?.code, ...snapshot(updated) },
      at: now,
    });
    return true;
  });
}
