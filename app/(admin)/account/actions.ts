"use server";

import { defineAction } from "@/lib/auth/action";
import { changeOwnPassword } from "@/lib/staff/change-password";
import { changeOwnPasswordInput } from "@/lib/validation/staff";

export const changeOwnPasswordAction = defineAction({
  permission: "account.change_own_password",
  input: changeOwnPasswordInput,
  allowWithOneTimePassword: true,
  async run(ctx, _input, raw) {
    await changeOwnPassword(ctx, raw);
    return { changed: true };
  },
});
