import { asc, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { plans, subscriptionGrants, subscriptions } from "@/db/schema";
import { findCustomer } from "../customers/resolve";
import { ServiceError } from "../errors";
import { effectiveStatus } from "./arithmetic";

/** A customer's subscriptions, each with the grants ledger that explains its end date. */
export async function getCustomerSubscriptions(db: Queryable, customerKey: string, now = new Date()) {
  const customer = await findCustomer(db, customerKey);
  if (!customer) throw ServiceError.notFound(`No customer matches "${customerKey}"`);
  const subs = await db
    .select({ subscription: subscriptions, plan: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.customerId, customer.id))
    .orderBy(asc(plans.code));
  const result = [];
  for (const { subscription, plan } of subs) {
    const grants = await db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.subscriptionId, subscription.id))
      .orderBy(asc(subscriptionGrants.appliedSeq));
    result.push({
      ...subscription,
      status: effectiveStatus(subscription.status, subscription.currentPeriodEnd, now),
      storedStatus: subscription.status,
      plan: { code: plan.code, name: plan.name },
      grants,
    });
  }
  return { customer, subscriptions: result };
}
