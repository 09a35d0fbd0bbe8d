import type { SubscriptionStatus } from "@/db/schema/enums";

/** A subscription day is 24 hours of UTC time, whatever the calendar or the viewer's zone. */
export const DAY_MS = 86_400_000;

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** Where a new grant starts: on top of a running period, or from now if it has lapsed. */
export function extensionStart(now: Date, currentEnd: Date | null): Date {
  return currentEnd && currentEnd > now ? currentEnd : now;
}

export interface LedgerGrant {
  grantedAt: Date;
  periodStart: Date;
  days: number;
  /** Application order, when known (the ledger's identity column). */
  appliedSeq?: number | null;
}

function applicationOrder(a: LedgerGrant, b: LedgerGrant): number {
  if (a.appliedSeq != null && b.appliedSeq != null) return a.appliedSeq - b.appliedSeq;
  return a.grantedAt.getTime() - b.grantedAt.getTime() || a.periodStart.getTime() - b.periodStart.getTime();
}

/**
 * The end date the live grants explain: each grant, in the order it was applied,
 * extends from `max(granted at, end so far)` by its days. The stored
 * `current_period_end` always equals this (an invariant the property tests check), so
 * revoking a grant never shortens what a later, still-valid payment bought.
 */
export function replayGrants(grants: readonly LedgerGrant[]): Date | null {
  const ordered = [...grants].sort(applicationOrder);
  let end: Date | null = null;
  for (const g of ordered) end = addDays(extensionStart(g.grantedAt, end), g.days);
  return end;
}

export function statusFor(end: Date, now: Date, hasLivePaidGrant: boolean): SubscriptionStatus {
  if (end <= now) return "expired";
  return hasLivePaidGrant ? "active" : "trialing";
}

/** The status a reader should see: a stored `active` whose period has ended is expired. */
export function effectiveStatus(stored: SubscriptionStatus, end: Date, now: Date): SubscriptionStatus {
  if ((stored === "active" || stored === "trialing" || stored === "past_due") && end <= now) return "expired";
  return stored;
}
