"use server";

import { AuthError } from "next-auth";
import { appDb } from "@/lib/auth/current";
import { signIn } from "@/lib/auth/next-auth";
import { currentRequestMeta } from "@/lib/auth/request";
import { isServiceError } from "@/lib/errors";
import { requestLogger } from "@/lib/log";
import { createFirstAdmin } from "@/lib/staff/first-admin";

export interface SetupState {
  error: string | null;
  fieldErrors: Record<string, string[]>;
  values: { email: string; name: string };
  /** Setup was done by someone else meanwhile: the form gives way to a link to sign in. */
  done: boolean;
}

/** Creates the first admin (once, ever) and signs them in; enrolment of a second factor follows. */
export async function setupAction(_prev: SetupState, form: FormData): Promise<SetupState> {
  const values = {
    email: String(form.get("email") ?? "").slice(0, 254),
    name: String(form.get("name") ?? "").slice(0, 200),
  };
  const password = String(form.get("password") ?? "");
  const confirmPassword = String(form.get("confirmPassword") ?? "");
  const meta = await currentRequestMeta();
  try {
    await createFirstAdmin(await appDb(), { ...values, password, confirmPassword }, meta);
  } catch (err) {
    if (isServiceError(err)) {
      return {
        error: err.code === "conflict" ? err.message : null,
        fieldErrors: err.fieldErrors,
        values,
        done: err.code === "conflict",
      };
    }
    requestLogger(meta.requestId).error({ err }, "first admin setup failed");
    return {
      error: `Something went wrong on our side and nothing was saved. Reference: ${meta.requestId}.`,
      fieldErrors: {},
      values,
      done: false,
    };
  }
  try {
    // Admins must use a second factor (unless an admin turned that off): the session this
    // opens reaches only the enrolment page until it is done. On success this throws NEXT_REDIRECT.
    await signIn("credentials", { email: values.email, password, redirectTo: "/account/security" });
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
  }
  return {
    error: "Your account was created. Sign in to continue.",
    fieldErrors: {},
    values,
    done: true,
  };
}
