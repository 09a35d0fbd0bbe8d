import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { axisTicks } from "@/components/overview/axis-ticks";

describe("revenue chart axis ticks", () => {
  it("steps by 1, 2 or 5 × a power of ten in minor units", () => {
    expect(axisTicks(329_500n)).toEqual([0, 100_000, 200_000, 300_000, 400_000]);
    expect(axisTicks(400_000n)).toEqual([0, 100_000, 200_000, 300_000, 400_000]);
    expect(axisTicks(400_001n)).toEqual([0, 100_000, 200_000, 300_000, 400_000, 500_000]);
    expect(axisTicks(1500n)).toEqual([0, 500, 1000, 1500]);
    expect(axisTicks(3n)).toEqual([0, 1, 2, 3]);
  });

  it("draws an empty axis for a month without revenue", () => {
    expect(axisTicks(0n)).toEqual([0, 1]);
  });

  it("covers the highest day with at most five whole, evenly spaced steps", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), (max) => {
        const ticks = axisTicks(max);
        const step = ticks[1]!;
        expect(ticks[0]).toBe(0);
        expect(ticks.length - 1).toBeLessThanOrEqual(5);
        expect(BigInt(ticks.at(-1)!)).toBeGreaterThanOrEqual(max);
        expect(BigInt(ticks.at(-2)!)).toBeLessThan(max);
        expect(String(step)).toMatch(/^[125]0*$/);
        expect(ticks).toEqual(ticks.map((_, i) => i * step));
      }),
    );
  });
});
