import { describe, expect, it } from "vitest";
import { prorateUnused, unusedDaysPhrase } from "@/lib/accounts/proration";

const DAY = 86_400_000;
const START = new Date("2026-01-01T00:00:00.000Z");
const at = (days: number) => new Date(START.getTime() + days * DAY);

/** A 30-day period of 599.00 bought at START, seen at `now`. */
function period(now: Date, extra: Partial<Parameters<typeof prorateUnused>[0]> = {}) {
  return prorateUnused({
    amountMinor: 59_900n,
    refundedMinor: 0n,
    periodStart: START,
    periodEnd: at(30),
    now,
    ...extra,
  });
}

describe("prorateUnused", () => {
  it("gives back the unused share: 12 of 30 days of 599.00 is 239.60", () => {
    const p = period(at(18));
    expect(p.amountMinor).toBe(23_960n);
    expect(p.unusedMs).toBe(12 * DAY);
    expect(p.periodMs).toBe(30 * DAY);
    expect(unusedDaysPhrase(p)).toBe("12 of 30 days unused");
  });

  it("gives back everything of a period that has not started (a renewal stacked on top)", () => {
    const p = prorateUnused({
      amountMinor: 59_900n,
      refundedMinor: 0n,
      periodStart: at(30),
      periodEnd: at(60),
      now: at(18),
    });
    expect(p.amountMinor).toBe(59_900n);
    expect(unusedDaysPhrase(p)).toBe("30 of 30 days unused");
  });

  it("gives back the whole amount when the period starts exactly now", () => {
    expect(period(START).amountMinor).toBe(59_900n);
  });

  it("gives back nothing for a period that has ended, or ends exactly now", () => {
    expect(period(at(30)).amountMinor).toBe(0n);
    expect(period(at(45))).toEqual({ amountMinor: 0n, unusedMs: 0, periodMs: 30 * DAY });
  });

  it("prorates only what is left after refunds, counted and pending", () => {
    // (599.00 − 100.00) × 12/30 = 199.60
    expect(period(at(18), { refundedMinor: 10_000n }).amountMinor).toBe(19_960n);
    // A pending refund may still go back: (599.00 − 100.00 − 50.00) × 12/30 = 179.60
    expect(period(at(18), { refundedMinor: 10_000n, pendingRefundMinor: 5_000n }).amountMinor).toBe(17_960n);
    // Fully refunded: nothing left.
    expect(period(at(18), { refundedMinor: 59_900n }).amountMinor).toBe(0n);
  });

  it("a zero-amount trial gives back nothing", () => {
    expect(
      prorateUnused({ amountMinor: 0n, refundedMinor: 0n, periodStart: START, periodEnd: at(7), now: at(1) })
        .amountMinor,
    ).toBe(0n);
  });

  it("rounds down to whole minor units, never up", () => {
    // 100 kopecks × 1/3 = 33.33… → 33; 200 × 2/3 = 133.33… → 133; 299 × 29/30 = 289.03… → 289.
    expect(
      prorateUnused({
        amountMinor: 100n,
        refundedMinor: 0n,
        periodStart: START,
        periodEnd: at(3),
        now: at(2),
      }).amountMinor,
    ).toBe(33n);
    expect(
      prorateUnused({
        amountMinor: 200n,
        refundedMinor: 0n,
        periodStart: START,
        periodEnd: at(3),
        now: at(1),
      }).amountMinor,
    ).toBe(133n);
    expect(
      prorateUnused({
        amountMinor: 299n,
        refundedMinor: 0n,
        periodStart: START,
        periodEnd: at(30),
        now: at(1),
      }).amountMinor,
    ).toBe(289n);
    // One millisecond used of 1 unit over a day: 0.99999… → 0, nothing to suggest.
    expect(
      prorateUnused({
        amountMinor: 1n,
        refundedMinor: 0n,
        periodStart: START,
        periodEnd: at(1),
        now: new Date(START.getTime() + 1),
      }).amountMinor,
    ).toBe(0n);
  });

  it("stays exact for amounts far beyond a double's precision", () => {
    const huge = 9_007_199_254_740_993_123n; // > 2^53
    const p = prorateUnused({
      amountMinor: huge,
      refundedMinor: 0n,
      periodStart: START,
      periodEnd: at(30),
      now: at(18),
    });
    expect(p.amountMinor).toBe((huge * 12n) / 30n);
  });

  it("says partial days to one decimal, rounded down", () => {
    expect(unusedDaysPhrase({ unusedMs: 12.75 * DAY, periodMs: 30 * DAY })).toBe("12.7 of 30 days unused");
    expect(unusedDaysPhrase({ unusedMs: 60_000, periodMs: 30 * DAY })).toBe(
      "less than 0.1 of 30 days unused",
    );
    expect(unusedDaysPhrase({ unusedMs: DAY / 2, periodMs: DAY })).toBe("0.5 of 1 day unused");
  });
});
