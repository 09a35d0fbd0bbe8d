"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { createStaff } from "@/lib/staff/create";
import { resetStaffPassword, setStaffDisabled } from "@/lib/staff/manage";
import { createStaffInput, resetStaffPasswordInput, setStaffDisabledInput } from "@/lib/validation/staff";

export const createStaffAction = defineAction({
  permission: "staff.manage",
  // The web form never sets a password: the service generates a one-time one.
  input: createStaffInput.omit({ password: true }),
  async run(ctx, input) {
    const result = await createStaff(ctx, input);
    revalidatePath("/staff");
    return { id: result.user.id, email: result.user.email, oneTimePassword: result.oneTimePassword };
  },
});

export const setStaffDisabledAction = defineAction({
  permission: "staff.manage",
  input: setStaffDisabledInput,
  async run(ctx, _input, raw) {
    const result = await setStaffDisabled(ctx, raw);
    revalidatePath("/staff");
    return { id: result.user.id, disabled: result.user.disabled, changed: result.changed };
  },
});

export const resetStaffPasswordAction = defineAction({
  permission: "staff.manage",
  input: resetStaffPasswordInput,
  async run(ctx, _input, raw) {
    const result = await resetStaffPassword(ctx, raw);
    revalidatePath("/staff");
    return { oneTimePassword: result.oneTimePassword };
  },
});
