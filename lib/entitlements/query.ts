import type { Queryable } from "@/db/client";
import type { Customer } from "@/db/schema";
import { subscriptionsOf } from "../subscriptions/queries";
import { type Entitlement, entitlementsOf } from "./compute";
import { resolveCustomerRef } from "./resolve";

export interface CustomerEntitlements {
  customer: Pick<Customer, "id" | "externalRef">;
  entitlements: Entitlement[];
}

/**
 * A customer's entitlements by reference (see `resolveCustomerRef`); null for an unknown
 * customer. Reads the subscriptions the way the customer page does (`subscriptionsOf`) and
 * decides access with the same `entitlementOf`.
 */
export async function getCustomerEntitlements(
  db: Queryable,
  ref: string,
  now: Date = new Date(),
): Promise<CustomerEntitlements | null> {
  const customer = await resolveCustomerRef(db, ref);
  if (!customer) return null;
  const subscriptions = await subscriptionsOf(db, customer, now);
  return {
    customer: { id: customer.id, externalRef: customer.externalRef },
    entitlements: entitlementsOf(subscriptions, now),
  };
}
