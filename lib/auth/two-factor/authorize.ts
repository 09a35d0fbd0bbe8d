import type { Db } from "@/db/client";
import { type SignedInUser, type SignInRequest, signInWithPassword } from "../sign-in";
import { completeSignInChallenge } from "./challenge";
import { SECOND_FACTOR_PREFIX } from "./sign-in-step";

export type AuthorizeOutcome = { ok: true; user: SignedInUser } | { ok: false; code: string };

/**
 * What next-auth's Credentials `authorize` decides, in one place a test can call: either
 * `{ email, password }` (the first step) or `{ challenge, code, method }` (the second). A
 * user, and so a session, comes only from a password for an account without a second
 * factor, or from a valid code for a live challenge.
 */
export async function authorizeCredentials(
  db: Db,
  credentials: Record<string, unknown>,
  request: SignInRequest,
): Promise<AuthorizeOutcome> {
  if (credentials.challenge !== undefined) {
    // The password is not asked again, and nothing else the client sends is trusted.
    const second = await completeSignInChallenge(db, credentials, request);
    return second.ok ? { ok: true, user: second.user } : { ok: false, code: second.code };
  }
  const result = await signInWithPassword(db, credentials, request);
  if (!result.ok) return { ok: false, code: result.code };
  // An enrolled account gets no session from its password alone: a challenge instead.
  if (result.challenge) return { ok: false, code: `${SECOND_FACTOR_PREFIX}${result.challenge}` };
  return { ok: true, user: result.user };
}
