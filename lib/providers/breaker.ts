import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from "cockatiel";
import { ProviderCallError, type ProviderName } from "./call-error";

/** Consecutive `unknown` outcomes (timeouts, network errors, 5xx) that open a provider's breaker. */
export const DEFAULT_BREAKER_THRESHOLD = 5;
/** How long an open breaker refuses calls before letting one trial call through. */
export const DEFAULT_BREAKER_HALF_OPEN_MS = 30_000;

const PROVIDERS: readonly ProviderName[] = ["stripe", "yookassa"];
const LABEL: Record<ProviderName, string> = { stripe: "Stripe", yookassa: "YooKassa" };

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerStatus {
  provider: ProviderName;
  state: BreakerState;
  /** Consecutive failed calls (`unknown` outcomes) counted by the breaker now. */
  failures: number;
  openedAt: Date | null;
  lastFailure: string | null;
}

interface Settings {
  threshold: number;
  halfOpenMs: number;
}

interface Breaker {
  settings: Settings;
  counter: ConsecutiveBreaker;
  policy: CircuitBreakerPolicy;
  openedAt: Date | null;
  lastFailure: string | null;
}

/** What the function gave back; anything but an `unknown` outcome is a healthy provider. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Carries an `unknown` outcome through cockatiel, which counts it as a failure. */
class CountedFailure extends Error {
  constructor(readonly error: ProviderCallError) {
    super(error.message);
  }
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

function settingsFromEnv(): Settings {
  return {
    threshold: positiveInt("PROVIDER_BREAKER_THRESHOLD", DEFAULT_BREAKER_THRESHOLD),
    halfOpenMs: positiveInt("PROVIDER_BREAKER_HALF_OPEN_MS", DEFAULT_BREAKER_HALF_OPEN_MS),
  };
}

const breakers = new Map<ProviderName, Breaker>();

function newBreaker(settings: Settings): Breaker {
  const counter = new ConsecutiveBreaker(settings.threshold);
  const policy = circuitBreaker(
    handleWhen((err) => err instanceof CountedFailure),
    { halfOpenAfter: settings.halfOpenMs, breaker: counter },
  );
  const breaker: Breaker = { settings, counter, policy, openedAt: null, lastFailure: null };
  policy.onBreak(() => {
    breaker.openedAt = new Date();
  });
  policy.onReset(() => {
    breaker.openedAt = null;
  });
  return breaker;
}

/** The provider's breaker; rebuilt (closed) when the environment settings change. */
function breakerFor(provider: ProviderName): Breaker {
  const settings = settingsFromEnv();
  const current = breakers.get(provider);
  if (
    current &&
    current.settings.threshold === settings.threshold &&
    current.settings.halfOpenMs === settings.halfOpenMs
  ) {
    return current;
  }
  const fresh = newBreaker(settings);
  breakers.set(provider, fresh);
  return fresh;
}

function pausedError(provider: ProviderName, breaker: Breaker): ProviderCallError {
  const openedAt = breaker.openedAt?.getTime() ?? Date.now();
  const remainingMs = Math.max(0, openedAt + breaker.settings.halfOpenMs - Date.now());
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const failed = Math.max(breaker.counter.state, breaker.settings.threshold);
  return new ProviderCallError(
    provider,
    "not_sent",
    `${LABEL[provider]} is failing: calls are paused for ${seconds} s after ${failed} failed calls; nothing was sent`,
  );
}

/**
 * Runs one call to a provider through that provider's circuit breaker. Only `unknown`
 * outcomes (timeouts, lost connections, 5xx) count as failures: a provider that answers
 * `refused` or `not_found` is healthy. While the breaker is open, the call is not made and
 * a `not_sent` ProviderCallError is thrown at once.
 */
export async function callProvider<T>(provider: ProviderName, fn: () => Promise<T>): Promise<T> {
  const breaker = breakerFor(provider);
  let outcome: Outcome<T>;
  try {
    outcome = await breaker.policy.execute(async (): Promise<Outcome<T>> => {
      try {
        return { ok: true, value: await fn() };
      } catch (error) {
        if (error instanceof ProviderCallError && error.outcome === "unknown") {
          breaker.lastFailure = error.message;
          throw new CountedFailure(error);
        }
        return { ok: false, error };
      }
    });
  } catch (err) {
    if (err instanceof CountedFailure) throw err.error;
    if (err instanceof BrokenCircuitError) throw pausedError(provider, breaker);
    throw err;
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function stateOf(breaker: Breaker): BreakerState {
  switch (breaker.policy.state) {
    case CircuitState.Closed:
      return "closed";
    case CircuitState.HalfOpen:
      return "half_open";
    default: {
      // Cockatiel moves to half-open only on the next call; report what that call would meet.
      const openedAt = breaker.openedAt?.getTime() ?? Date.now();
      return Date.now() - openedAt >= breaker.settings.halfOpenMs ? "half_open" : "open";
    }
  }
}

/** Each provider's breaker as it stands now (for the status page and tests). */
export function breakerStatus(): BreakerStatus[] {
  return PROVIDERS.map((provider) => {
    const breaker = breakerFor(provider);
    return {
      provider,
      state: stateOf(breaker),
      failures: breaker.counter.state,
      openedAt: breaker.openedAt,
      lastFailure: breaker.lastFailure,
    };
  });
}

/** Closes every breaker and forgets its history (tests). */
export function resetBreakers(): void {
  breakers.clear();
}
