import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, nextAttemptAt } from "@/lib/outbound/schedule";
import { RETRY_AFTER } from "../support/standard-webhooks";

describe("retry schedule", () => {
  const failedAt = new Date("2026-03-01T10:00:00.000Z");
  const delay = (attempts: number, random: number) =>
    (nextAttemptAt(attempts, failedAt, () => random)?.getTime() ?? Number.NaN) - failedAt.getTime();

  it("has ten attempts: the first at once and nine retries", () => {
    expect(MAX_ATTEMPTS).toBe(10);
  });

  it.each(RETRY_AFTER.map((ms, i) => [i + 1, ms] as const))(
    "after %i failed attempts waits %i ms, give or take the jitter",
    (attempts, base) => {
      expect(delay(attempts, 0.5)).toBe(base);
      // Jitter stays within ±20 %…
      for (const r of [0, 0.1, 0.37, 0.5, 0.81, 0.999999]) {
        const d = delay(attempts, r);
        expect(d).toBeGreaterThanOrEqual(base * 0.8);
        expect(d).toBeLessThanOrEqual(base * 1.2);
      }
      // …and spreads retries by at least ±10 %.
      expect(delay(attempts, 0)).toBeLessThanOrEqual(base * 0.9);
      expect(delay(attempts, 0.999999)).toBeGreaterThanOrEqual(base * 1.1);
    },
  );

  it("ends after the tenth attempt", () => {
    expect(nextAttemptAt(10, failedAt)).toBeNull();
    expect(nextAttemptAt(11, failedAt)).toBeNull();
    expect(nextAttemptAt(0, failedAt)).toBeNull();
  });

  it("uses Math.random by default and varies between deliveries", () => {
    const delays = new Set(Array.from({ length: 20 }, () => nextAttemptAt(3, failedAt)?.getTime()));
    expect(delays.size).toBeGreaterThan(1);
  });
});
