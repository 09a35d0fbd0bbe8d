import { describe, expect, it } from "vitest";
import {
  addDays,
  DAY_MS,
  effectiveStatus,
  extensionStart,
  type LedgerGrant,
  replayGrants,
  statusFor,
} from "@/lib/subscriptions/arithmetic";

const d = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

describe("addDays", () => {
  it("adds 24-hour UTC days", () => {
    expect(DAY_MS).toBe(86_400_000);
    expect(iso(addDays(d("2026-01-01T00:00:00Z"), 30))).toBe("2026-01-31T00:00:00.000Z");
    expect(iso(addDays(d("2026-01-31T10:15:00Z"), 1))).toBe("2026-02-01T10:15:00.000Z");
    expect(iso(addDays(d("2028-02-28T00:00:00Z"), 1))).toBe("2028-02-29T00:00:00.000Z");
    expect(iso(addDays(d("2026-03-01T00:00:00Z"), 0))).toBe("2026-03-01T00:00:00.000Z");
    expect(iso(addDays(d("2026-03-01T00:00:00Z"), -1))).toBe("2026-02-28T00:00:00.000Z");
  });

  it("ignores daylight-saving changes: a day across a DST switch is still 24 hours", () => {
    // Europe switched on 2026-03-29 and the US on 2026-03-08; the result is the same instant + 24h.
    const before = d("2026-03-28T23:30:00+01:00");
    expect(iso(addDays(before, 1))).toBe("2026-03-29T22:30:00.000Z");
    expect(addDays(before, 1).getTime() - before.getTime()).toBe(24 * 3_600_000);
    expect(iso(addDays(d("2026-03-07T12:00:00-05:00"), 2))).toBe("2026-03-09T17:00:00.000Z");
    expect(iso(addDays(d("2026-10-24T00:00:00Z"), 7))).toBe("2026-10-31T00:00:00.000Z");
  });

  it("does not mutate its input", () => {
    const at = d("2026-01-01T00:00:00Z");
    addDays(at, 5);
    expect(iso(at)).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe("extensionStart", () => {
  const now = d("2026-02-01T00:00:00Z");
  it("starts from now without a current period", () => {
    expect(extensionStart(now, null)).toEqual(now);
  });
  it("stacks on a running period", () => {
    expect(extensionStart(now, d("2026-02-10T00:00:00Z"))).toEqual(d("2026-02-10T00:00:00Z"));
  });
  it("starts from now when the period has lapsed or ends right now", () => {
    expect(extensionStart(now, d("2026-01-10T00:00:00Z"))).toEqual(now);
    expect(extensionStart(now, d("2026-02-01T00:00:00Z"))).toEqual(now);
  });
});

describe("replayGrants", () => {
  const grant = (grantedAt: string, days: number, periodStart = grantedAt): LedgerGrant => ({
    grantedAt: d(grantedAt),
    periodStart: d(periodStart),
    days,
  });

  it("has no end without grants", () => {
    expect(replayGrants([])).toBeNull();
  });

  it("runs one grant from the moment it was granted", () => {
    expect(iso(replayGrants([grant("2026-01-01T00:00:00Z", 30)]))).toBe("2026-01-31T00:00:00.000Z");
    // A grant stacked on a since-revoked grant replays from its own grant time.
    expect(iso(replayGrants([grant("2026-01-10T00:00:00Z", 30, "2026-01-31T00:00:00Z")]))).toBe(
      "2026-02-09T00:00:00.000Z",
    );
  });

  it("stacks overlapping grants", () => {
    const grants = [
      grant("2026-01-01T00:00:00Z", 30),
      grant("2026-01-10T00:00:00Z", 30, "2026-01-31T00:00:00Z"),
      grant("2026-01-20T00:00:00Z", 7, "2026-03-02T00:00:00Z"),
    ];
    expect(iso(replayGrants(grants))).toBe("2026-03-09T00:00:00.000Z");
  });

  it("restarts from the grant time after a gap", () => {
    const grants = [grant("2026-01-01T00:00:00Z", 30), grant("2026-03-01T00:00:00Z", 30)];
    expect(iso(replayGrants(grants))).toBe("2026-03-31T00:00:00.000Z");
  });

  it("orders by grant time, whatever order it is given in", () => {
    const a = grant("2026-01-01T00:00:00Z", 30);
    const b = grant("2026-03-01T00:00:00Z", 30);
    // Replayed in the given order this would be Jan 31 + … = Apr 30; ordered, the gap restarts it.
    expect(iso(replayGrants([b, a]))).toBe("2026-03-31T00:00:00.000Z");
    expect(iso(replayGrants([a, b]))).toBe("2026-03-31T00:00:00.000Z");
    const input = [b, a];
    replayGrants(input);
    expect(input).toEqual([b, a]);
  });

  it("stacks grants given at the same instant by period start", () => {
    const first = grant("2026-01-01T00:00:00Z", 7);
    const second = grant("2026-01-01T00:00:00Z", 30, "2026-01-08T00:00:00Z");
    expect(iso(replayGrants([second, first]))).toBe("2026-02-07T00:00:00.000Z");
  });

  it("a trial then a paid period end at trial end + 30 days", () => {
    const grants = [
      grant("2026-01-01T00:00:00Z", 7),
      grant("2026-01-04T00:00:00Z", 30, "2026-01-08T00:00:00Z"),
    ];
    expect(iso(replayGrants(grants))).toBe("2026-02-07T00:00:00.000Z");
  });
});

describe("statusFor", () => {
  const now = d("2026-02-01T00:00:00Z");
  it("is expired when the end is now or past", () => {
    expect(statusFor(now, now, true)).toBe("expired");
    expect(statusFor(d("2026-01-31T23:59:59Z"), now, true)).toBe("expired");
    expect(statusFor(d("2026-01-01T00:00:00Z"), now, false)).toBe("expired");
  });
  it("is active with a live paid grant, trialing without", () => {
    expect(statusFor(d("2026-02-01T00:00:01Z"), now, true)).toBe("active");
    expect(statusFor(d("2026-02-08T00:00:00Z"), now, false)).toBe("trialing");
  });
});

describe("effectiveStatus", () => {
  const now = d("2026-02-01T00:00:00Z");
  const past = d("2026-01-15T00:00:00Z");
  const future = d("2026-02-15T00:00:00Z");
  it.each([
    ["active", past, "expired"],
    ["trialing", past, "expired"],
    ["past_due", past, "expired"],
    ["active", now, "expired"],
    ["canceled", past, "canceled"],
    ["expired", past, "expired"],
    ["active", future, "active"],
    ["trialing", future, "trialing"],
    ["past_due", future, "past_due"],
    ["canceled", future, "canceled"],
    ["expired", future, "expired"],
  ] as const)("stored %s ending %s reads as %s", (stored, end, want) => {
    expect(effectiveStatus(stored, end, now)).toBe(want);
  });
});
