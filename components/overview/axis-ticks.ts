/**
 * Round steps in minor units (1, 2 or 5 × a power of ten, so 1,000.00 rather than 850.00),
 * from zero to at or above the highest day, at most five steps; whole numbers throughout.
 */
export function axisTicks(maxMinor: bigint): number[] {
  if (maxMinor <= 0n) return [0, 1];
  for (let magnitude = 10n ** BigInt(((maxMinor + 4n) / 5n).toString().length - 1); ; magnitude *= 10n) {
    const step = [1n, 2n, 5n].map((m) => m * magnitude).find((s) => s * 5n >= maxMinor);
    if (step === undefined) continue;
    const count = Number((maxMinor + step - 1n) / step);
    return Array.from({ length: count + 1 }, (_, i) => Number(BigInt(i) * step));
  }
}
