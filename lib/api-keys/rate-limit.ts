import { RateLimiterDrizzle, RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "@/db/client";
import { rateLimits } from "@/db/schema";

export const DEFAULT_API_RATE_LIMIT_PER_MINUTE = 600;

/** Requests one key may make per minute: `API_RATE_LIMIT_PER_MINUTE`, else 600. */
export function apiRateLimitPerMinute(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const raw = env.API_RATE_LIMIT_PER_MINUTE?.trim();
  if (!raw) return DEFAULT_API_RATE_LIMIT_PER_MINUTE;
  const n = Number(raw);
  // A typo must not switch the limit off or make every request fail: fall back to the default.
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_API_RATE_LIMIT_PER_MINUTE;
}

export type RateDecision =
  | { allowed: true; limit: number; remaining: number; resetSeconds: number }
  | { allowed: false; limit: number; retryAfterSeconds: number };

// One limiter per database and limit: the limit is read per request, so a changed
// environment (tests, a restart with a new value) takes effect without stale instances.
const cache = new WeakMap<Db, Map<number, RateLimiterDrizzle>>();

function limiterFor(db: Db, points: number): RateLimiterDrizzle {
  let byPoints = cache.get(db);
  if (!byPoints) {
    byPoints = new Map();
    cache.set(db, byPoints);
  }
  let limiter = byPoints.get(points);
  if (!limiter) {
    // Counters live in `rate_limits`, so every app instance draws on the same budget per key.
    limiter = new RateLimiterDrizzle({
      storeClient: db,
      schema: rateLimits,
      clearExpiredByTimeout: false,
      keyPrefix: "api_key",
      points,
      duration: 60,
    });
    byPoints.set(points, limiter);
  }
  return limiter;
}

/** Takes one request from the key's budget for the current minute. */
export async function consumeApiRequest(db: Db, keyId: string): Promise<RateDecision> {
  const limit = apiRateLimitPerMinute();
  try {
    const res = await limiterFor(db, limit).consume(keyId);
    return {
      allowed: true,
      limit,
      remaining: res.remainingPoints,
      resetSeconds: Math.max(Math.ceil(res.msBeforeNext / 1000), 0),
    };
  } catch (err) {
    // The library rejects with a RateLimiterRes when the budget is spent, with an Error otherwise.
    if (!(err instanceof RateLimiterRes)) throw err;
    return { allowed: false, limit, retryAfterSeconds: Math.max(Math.ceil(err.msBeforeNext / 1000), 1) };
  }
}
