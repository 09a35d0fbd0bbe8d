import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { subscriptionGrants } from "@/db/schema";

/**
 * Whether a paid (non-trial) grant of the subscription is still running at `now`: what makes
 * a subscription "active" rather than "trialing". One that has already run out does not count.
 */
export async function hasRunningPaidGrant(
  db: Queryable,
  subscriptionId: string,
  now: Date,
): Promise<boolean> {
  const [paid] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(subscriptionGrants)
    .where(
      and(
        eq(subscriptionGrants.subscriptionId, subscriptionId),
        isNull(subscriptionGrants.revokedAt),
        eq(subscriptionGrants.isTrial, false),
        gt(subscriptionGrants.periodEnd, now),
      ),
    );
  return Number(paid?.n ?? 0) > 0;
}
