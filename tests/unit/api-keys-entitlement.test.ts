import { describe, expect, it } from "vitest";
import type { SubscriptionStatus } from "@/db/schema/enums";
import { entitlementOf, withEntitlements } from "@/lib/entitlements/compute";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const at = (iso: string) => new Date(iso);
const sub = (storedStatus: SubscriptionStatus, end: string) => ({
  plan: { code: "premium" },
  storedStatus,
  status: storedStatus,
  currentPeriodEnd: at(end),
});

describe("entitlementOf", () => {
  it("passes a running period through, with its end", () => {
    expect(entitlementOf(sub("active", "2026-06-20T00:00:00.000Z"), NOW)).toEqual({
      plan: "premium",
      status: "active",
      validUntil: at("2026-06-20T00:00:00.000Z"),
      trial: false,
    });
    expect(entitlementOf(sub("trialing", "2026-06-03T00:00:00.000Z"), NOW)).toMatchObject({
      status: "trialing",
      trial: true,
    });
  });

  it("says expired as soon as the period has ended, before the scheduler writes it", () => {
    for (const stored of ["active", "trialing", "past_due"] as const) {
      expect(entitlementOf(sub(stored, "2026-06-01T12:00:00.000Z"), NOW)).toMatchObject({
        status: "expired",
        trial: false,
        validUntil: at("2026-06-01T12:00:00.000Z"),
      });
    }
    // One millisecond before the end there still is access.
    expect(entitlementOf(sub("active", "2026-06-01T12:00:00.001Z"), NOW).status).toBe("active");
  });

  it("keeps a canceled subscription canceled, whatever its end", () => {
    expect(entitlementOf(sub("canceled", "2026-07-01T00:00:00.000Z"), NOW)).toMatchObject({
      status: "canceled",
      trial: false,
    });
  });

  it("is what the customer page's cards show (withEntitlements)", () => {
    const subs = [sub("active", "2026-05-01T00:00:00.000Z"), sub("trialing", "2026-06-05T00:00:00.000Z")];
    const shown = withEntitlements(subs, NOW);
    expect(shown.map((s) => s.status)).toEqual(subs.map((s) => entitlementOf(s, NOW).status));
    expect(shown.map((s) => s.currentPeriodEnd)).toEqual(subs.map((s) => entitlementOf(s, NOW).validUntil));
    expect(shown[0]).toMatchObject({ status: "expired", storedStatus: "active" });
  });
});
