import type { Tx } from "@/db/client";
import type { SignedInUser, SignInRequest } from "../sign-in";
import { openSignInChallenge } from "./challenge";
import { hasTwoFactor } from "./status";

/**
 * The refusal code the password step answers with when a code must follow: the form reads
 * the challenge id from it. It names a challenge, never the account, and is worthless
 * without a valid code.
 */
export const SECOND_FACTOR_PREFIX = "second_factor:";

export function challengeFromCode(code: string | undefined): string | null {
  return code?.startsWith(SECOND_FACTOR_PREFIX) ? code.slice(SECOND_FACTOR_PREFIX.length) : null;
}

/**
 * After a passed password, in the sign-in's transaction: a challenge id when the account has a second factor (no session
 * yet), or null when the password alone opens a session (an account not enrolled; if its
 * role requires a factor, that session can only enrol: see mustEnrolTwoFactor).
 */
export async function secondStepAfterPassword(
  tx: Tx,
  user: SignedInUser,
  request: SignInRequest,
): Promise<string | null> {
  if (!(await hasTwoFactor(tx, user.id))) return null;
  return openSignInChallenge(tx, user, request);
}
