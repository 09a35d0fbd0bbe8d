import type { SubscriptionStatus } from "@/db/schema/enums";
import { effectiveStatus } from "../subscriptions/arithmetic";

/**
 * What a customer may use of one plan right now. The customer page and
 * `GET /api/v1/customers/{ref}/entitlements` both show exactly this, so staff and the
 * product never disagree about who has access.
 */
export interface Entitlement {
  plan: string;
  status: SubscriptionStatus;
  /**
   * When the current period ends (for `expired`, when it ended). Every subscription has one
   * today; nullable in the API contract so a state without an end date (a pause) fits later.
   */
  validUntil: Date | null;
  /** The access is a free trial: no paid period is running (status `trialing`). */
  trial: boolean;
}

/** The parts of a subscription access depends on (a row of `subscriptionsOf`, or of the profile). */
export interface EntitlementSource {
  plan: { code: string };
  /** As stored: a period that ran out may still say `active` until the scheduler's next run. */
  storedStatus: SubscriptionStatus;
  currentPeriodEnd: Date;
}

export function entitlementOf(subscription: EntitlementSource, now: Date): Entitlement {
  // Decided on read as well: between the end of a period and the scheduler writing `expired`
  // (up to a minute), the answer must already say expired.
  const status = effectiveStatus(subscription.storedStatus, subscription.currentPeriodEnd, now);
  return {
    plan: subscription.plan.code,
    status,
    validUntil: subscription.currentPeriodEnd,
    trial: status === "trialing",
  };
}

/** One entitlement per subscription, in the order given (by plan code, as `subscriptionsOf` sorts). */
export function entitlementsOf(subscriptions: readonly EntitlementSource[], now: Date): Entitlement[] {
  return subscriptions.map((s) => entitlementOf(s, now));
}

/**
 * The customer page's subscription cards, showing what `entitlementOf` decided: the status
 * badge and the "valid until" date come from the entitlement, not from the stored row.
 */
export function withEntitlements<S extends EntitlementSource & { status: SubscriptionStatus }>(
  subscriptions: readonly S[],
  now: Date,
): S[] {
  return subscriptions.map((s) => {
    const access = entitlementOf(s, now);
    return { ...s, status: access.status, currentPeriodEnd: access.validUntil ?? s.currentPeriodEnd };
  });
}
