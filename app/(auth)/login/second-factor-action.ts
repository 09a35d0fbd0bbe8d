"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { signIn } from "@/lib/auth/next-auth";
import { SECOND_FACTOR_MESSAGES, type SecondFactorFailure } from "@/lib/auth/two-factor/challenge";

export interface SecondFactorState {
  error: string | null;
  /** The challenge is spent (expired, too many wrong codes, locked): back to the password. */
  restart: boolean;
}

/** The second sign-in step: a code (or recovery code) for the challenge the password step opened. */
export async function secondFactorAction(
  _prev: SecondFactorState,
  form: FormData,
): Promise<SecondFactorState> {
  const challenge = String(form.get("challenge") ?? "");
  const method = form.get("method") === "recovery_code" ? "recovery_code" : "totp";
  const code = String(form.get("code") ?? "").slice(0, 40);
  if (!code.trim()) {
    return {
      error:
        method === "totp" ? "Enter the 6-digit code from your authenticator app." : "Enter a recovery code.",
      restart: false,
    };
  }
  try {
    // On success this throws NEXT_REDIRECT, which must propagate.
    await signIn("credentials", {
      challenge,
      code,
      method,
      redirectTo: safeCallbackUrl(form.get("callbackUrl")),
    });
    return { error: null, restart: false };
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    const known = err instanceof CredentialsSignin && err.code in SECOND_FACTOR_MESSAGES;
    const failure = (known ? err.code : "invalid_code") as SecondFactorFailure;
    const message =
      failure === "invalid_code" && method === "recovery_code"
        ? "That recovery code is not valid, or it was used already."
        : SECOND_FACTOR_MESSAGES[failure];
    return { error: message, restart: failure !== "invalid_code" };
  }
}
