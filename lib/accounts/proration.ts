import { DAY_MS } from "../subscriptions/arithmetic";

/** One paid period as the ledger counts it now, and the money that bought it. */
export interface ProrationInput {
  /** What the payment took (captured), in minor units. */
  amountMinor: bigint;
  /** What has already gone back (counted refunds). */
  refundedMinor: bigint;
  /** Refunds asked for but not yet confirmed: they may still go back, so they are not offered twice. */
  pendingRefundMinor?: bigint;
  /** The period the grant counts for (explainLedger's `counted`), not necessarily the stored one. */
  periodStart: Date;
  periodEnd: Date;
  now: Date;
}

export interface Proration {
  /** The unused share of what is left of the payment, rounded down; 0n when nothing is owed. */
  amountMinor: bigint;
  unusedMs: number;
  periodMs: number;
}

/**
 * The unused part of a paid period, in money: (amount − refunded − pending) × unused time /
 * period length, in integer minor units, rounded down so a suggestion never offers a kopeck the
 * customer did not pay. Unused time is what is left of the period after `now` (all of it for a
 * period that has not started, none for one that has ended).
 */
export function prorateUnused(input: ProrationInput): Proration {
  const periodMs = input.periodEnd.getTime() - input.periodStart.getTime();
  const from = Math.max(input.now.getTime(), input.periodStart.getTime());
  const unusedMs = Math.min(Math.max(input.periodEnd.getTime() - from, 0), Math.max(periodMs, 0));
  const left = input.amountMinor - input.refundedMinor - (input.pendingRefundMinor ?? 0n);
  if (periodMs <= 0 || unusedMs <= 0 || left <= 0n) return { amountMinor: 0n, unusedMs, periodMs };
  // Bigint division truncates, which for non-negative operands is rounding down.
  return { amountMinor: (left * BigInt(unusedMs)) / BigInt(periodMs), unusedMs, periodMs };
}

/** "12 of 30 days unused" (days to one decimal, rounded down, so it never overstates). */
export function unusedDaysPhrase(p: Pick<Proration, "unusedMs" | "periodMs">): string {
  const tenths = Math.floor((p.unusedMs * 10) / DAY_MS);
  const unused = tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
  const unusedText = tenths === 0 && p.unusedMs > 0 ? "less than 0.1" : unused;
  const period = Math.round((p.periodMs / DAY_MS) * 10) / 10;
  return `${unusedText} of ${period} ${period === 1 ? "day" : "days"} unused`;
}
