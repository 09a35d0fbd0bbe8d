"use server";

import { defineAction } from "@/lib/auth/action";
import { componentLogger } from "@/lib/log";
import { changeOwnPassword } from "@/lib/staff/change-password";
import { changeOwnPasswordInput } from "@/lib/validation/staff";

/**
 * The id of the session making this request. Without one (no next-auth request context), the
 * change ends every session, this one included: safe, merely a sign-in more.
 */
async function thisSessionId(): Promise<string | null> {
  try {
    const { auth } = await import("@/lib/auth/next-auth");
    return (await auth())?.sessionId || null;
  } catch (err) {
    componentLogger("account").warn({ err }, "no session id: the password change ends this session too");
    return null;
  }
}

export const changeOwnPasswordAction = defineAction({
  permission: "account.change_own_password",
  input: changeOwnPasswordInput,
  allowWithOneTimePassword: true,
  async run(ctx, _input, raw) {
    // This session stays signed in; the change ends every other one.
    await changeOwnPassword(ctx, raw, { sessionId: await thisSessionId() });
    return { changed: true };
  },
});
