import { asc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type Customer, plans, type SubscriptionGrant, subscriptionGrants, subscriptions } from "@/db/schema";
import { findCustomer } from "../customers/resolve";
import { ServiceError } from "../errors";
import { effectiveStatus } from "./arithmetic";

/** A customer's subscriptions, each with the grants ledger that explains its end date. */
export async function getCustomerSubscriptions(db: Queryable, customerKey: string, now = new Date()) {
  const customer = await findCustomer(db, customerKey);
  if (!customer) throw ServiceError.notFound(`No customer matches "${customerKey}"`);
  return { customer, subscriptions: await subscriptionsOf(db, customer, now) };
}

/** The subscriptions of a customer already found, with their grants: two queries in all. */
export async function subscriptionsOf(db: Queryable, customer: Pick<Customer, "id">, now = new Date()) {
  const subs = await db
    .select({ subscription: subscriptions, plan: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.customerId, customer.id))
    .orderBy(asc(plans.code));
  const grants =
    subs.length === 0
      ? []
      : await db
          .select()
          .from(subscriptionGrants)
          .where(
            inArray(
              subscriptionGrants.subscriptionId,
              subs.map((s) => s.subscription.id),
            ),
          )
          .orderBy(asc(subscriptionGrants.appliedSeq));
  const grantsBy = new Map<string, SubscriptionGrant[]>();
  for (const grant of grants) {
    const list = grantsBy.get(grant.subscriptionId) ?? [];
    list.push(grant);
    grantsBy.set(grant.subscriptionId, list);
  }
  return subs.map(({ subscription, plan }) => ({
    ...subscription,
    status: effectiveStatus(subscription.status, subscription.currentPeriodEnd, now),
    storedStatus: subscription.status,
    plan: { code: plan.code, name: plan.name },
    grants: grantsBy.get(subscription.id) ?? [],
  }));
}

export type CustomerSubscription = Awaited<ReturnType<typeof subscriptionsOf>>[number];
