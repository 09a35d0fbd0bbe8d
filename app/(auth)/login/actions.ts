"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { signIn } from "@/lib/auth/next-auth";
import { SIGN_IN_MESSAGES, type SignInFailure } from "@/lib/auth/sign-in";
import { challengeFromCode } from "@/lib/auth/two-factor/sign-in-step";

export interface SignInState {
  error: string | null;
  email: string;
  /** The password passed and a second factor must follow: this challenge awaits its code. */
  challenge?: string | null;
}

export async function signInAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "").slice(0, 254);
  const password = String(form.get("password") ?? "");
  if (!email.trim() || !password) {
    return { error: "Enter your email and password.", email };
  }
  try {
    // On success this throws NEXT_REDIRECT, which must propagate.
    await signIn("credentials", { email, password, redirectTo: safeCallbackUrl(form.get("callbackUrl")) });
    return { error: null, email };
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    const challenge = challengeFromCode(err instanceof CredentialsSignin ? err.code : undefined);
    if (challenge) return { error: null, email, challenge };
    const code = (err instanceof CredentialsSignin ? err.code : "invalid") as SignInFailure;
    return { error: SIGN_IN_MESSAGES[code] ?? SIGN_IN_MESSAGES.invalid, email };
  }
}
