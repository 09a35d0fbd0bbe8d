"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { resetStaffTwoFactor } from "@/lib/auth/two-factor/admin-reset";
import { resetTwoFactorInput } from "@/lib/auth/two-factor/schemas";

export const resetStaffTwoFactorAction = defineAction({
  permission: "staff.reset_two_factor",
  input: resetTwoFactorInput,
  async run(ctx, _input, raw) {
    const result = await resetStaffTwoFactor(ctx, raw);
    revalidatePath("/staff");
    return result;
  },
});
