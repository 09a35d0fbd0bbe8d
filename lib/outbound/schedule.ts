/**
 * The Standard Webhooks retry schedule: the first attempt at once, then each retry this long
 * after the previous attempt failed. Ten attempts in all, about 3 days end to end.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length;

/** ±20 %: spreads the retries of many deliveries that failed together (an outage) apart. */
export const JITTER = 0.2;

/**
 * When to try again after `attemptsMade` scheduled attempts failed, or null when the schedule
 * is over (the delivery has failed). `random` is in [0, 1), like Math.random.
 */
export function nextAttemptAt(
  attemptsMade: number,
  failedAt: Date,
  random: () => number = Math.random,
): Date | null {
  const base = RETRY_DELAYS_MS[attemptsMade];
  if (attemptsMade < 1 || base === undefined) return null;
  const factor = 1 + JITTER * (2 * random() - 1);
  return new Date(failedAt.getTime() + Math.round(base * factor));
}
