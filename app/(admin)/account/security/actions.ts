"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import {
  confirmEnrolment,
  disableOwnTwoFactor,
  regenerateRecoveryCodes,
  startEnrolment,
} from "@/lib/auth/two-factor/own-factor";
import {
  confirmEnrolmentInput,
  disableTwoFactorInput,
  regenerateRecoveryCodesInput,
} from "@/lib/auth/two-factor/schemas";

export const startEnrolmentAction = defineAction({
  permission: "account.manage_own_two_factor",
  input: z.object({}),
  allowBeforeTwoFactorEnrolment: true,
  run: (ctx) => startEnrolment(ctx),
});

export const confirmEnrolmentAction = defineAction({
  permission: "account.manage_own_two_factor",
  input: confirmEnrolmentInput,
  allowBeforeTwoFactorEnrolment: true,
  async run(ctx, _input, raw) {
    const result = await confirmEnrolment(ctx, raw);
    revalidatePath("/account/security");
    return result;
  },
});

export const regenerateRecoveryCodesAction = defineAction({
  permission: "account.manage_own_two_factor",
  input: regenerateRecoveryCodesInput,
  async run(ctx, _input, raw) {
    const result = await regenerateRecoveryCodes(ctx, raw);
    revalidatePath("/account/security");
    return result;
  },
});

export const disableTwoFactorAction = defineAction({
  permission: "account.manage_own_two_factor",
  input: disableTwoFactorInput,
  async run(ctx, _input, raw) {
    const result = await disableOwnTwoFactor(ctx, raw);
    revalidatePath("/account/security");
    return result;
  },
});
