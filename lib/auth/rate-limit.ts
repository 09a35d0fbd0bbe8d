import { RateLimiterDrizzle } from "rate-limiter-flexible";
import type { Db } from "@/db/client";
import { rateLimits } from "@/db/schema";

/** Failed sign-ins tolerated per account (or unknown email) before a lock-out. */
export const MAX_CONSECUTIVE_FAILURES = 5;
export const LOCKOUT_SECONDS = 15 * 60;
/** Failed sign-ins tolerated per client address within the window, across all emails. */
export const MAX_FAILURES_PER_ADDRESS = 30;
export const ADDRESS_WINDOW_SECONDS = 15 * 60;

export interface SignInLimiters {
  /** Failures per client address: stops one source guessing across many accounts. */
  address: RateLimiterDrizzle;
  /**
   * Failures per email that has no account, so an unknown email locks exactly like a real
   * one and the answers never reveal which emails exist.
   */
  unknownEmail: RateLimiterDrizzle;
}

const cache = new WeakMap<Db, SignInLimiters>();

/** The limiters over one database; their counters live in `rate_limits`, shared by every instance. */
export function signInLimiters(db: Db): SignInLimiters {
  let limiters = cache.get(db);
  if (!limiters) {
    // The library's periodic cleanup timer is unref'd; expired rows are also ignored on read.
    const common = { storeClient: db, schema: rateLimits, clearExpiredByTimeout: false } as const;
    limiters = {
      address: new RateLimiterDrizzle({
        ...common,
        keyPrefix: "signin_addr",
        points: MAX_FAILURES_PER_ADDRESS,
        duration: ADDRESS_WINDOW_SECONDS,
      }),
      unknownEmail: new RateLimiterDrizzle({
        ...common,
        keyPrefix: "signin_email",
        points: MAX_CONSECUTIVE_FAILURES,
        duration: LOCKOUT_SECONDS,
      }),
    };
    cache.set(db, limiters);
  }
  return limiters;
}
