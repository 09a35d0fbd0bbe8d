import { authenticator } from "otplib";

/** RFC 6238 defaults, which every authenticator app uses: 30-second steps, 6 digits, SHA-1. */
export const STEP_SECONDS = 30;
/** Steps accepted either side of now, for clock drift between the phone and the server. */
export const WINDOW_STEPS = 1;

export const ISSUER = "Paydesk";

export function newTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function otpauthUri(email: string, secret: string): string {
  return authenticator.keyuri(email, ISSUER, secret);
}

export function stepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / STEP_SECONDS);
}

/** A code for the given moment (tests and the e2e spec compute codes the same way). */
export function totpCodeAt(secret: string, at: Date): string {
  return authenticator.clone({ epoch: at.getTime(), window: 0 }).generate(secret);
}

/** Only six digits, whatever the user typed around them (spaces, a dash). */
export function normaliseCode(code: string): string | null {
  const digits = code.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * The time step whose code this is, within ±WINDOW_STEPS of now, and later than
 * `lastUsedStep`: a code already accepted (or one older than it) is a replay and matches
 * nothing. Returns null when the code does not count.
 */
export function matchingStep(
  secret: string,
  code: string,
  now: Date,
  lastUsedStep: number | null,
): number | null {
  const digits = normaliseCode(code);
  if (!digits) return null;
  const current = stepAt(now);
  for (let delta = -WINDOW_STEPS; delta <= WINDOW_STEPS; delta++) {
    const step = current + delta;
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    if (totpCodeAt(secret, new Date(step * STEP_SECONDS * 1000)) === digits) return step;
  }
  return null;
}
