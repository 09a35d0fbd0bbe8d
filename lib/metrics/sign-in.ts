import { processMetrics } from "./registry";

export type SignInFailureReason = "invalid" | "locked" | "disabled" | "rate_limited";

export function countSignInFailure(reason: SignInFailureReason): void {
  processMetrics().signInFailures.inc({ reason });
}
