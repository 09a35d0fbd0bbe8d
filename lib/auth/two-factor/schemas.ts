import { z } from "zod";
import { staffRoles } from "@/db/schema/enums";

const code = z.string().trim().min(1, "Enter the 6-digit code from your authenticator app").max(20);

export const confirmEnrolmentInput = z.object({ code });
export type ConfirmEnrolmentInput = z.input<typeof confirmEnrolmentInput>;

export const regenerateRecoveryCodesInput = z.object({ code });
export type RegenerateRecoveryCodesInput = z.input<typeof regenerateRecoveryCodesInput>;

/** Turning the second factor off needs proof the person at the keyboard owns the account. */
export const disableTwoFactorInput = z
  .object({
    code: z.string().trim().max(20).optional(),
    password: z.string().max(200).optional(),
  })
  .refine((v) => Boolean(v.code) || Boolean(v.password), {
    message: "Enter a current code or your password",
    path: ["code"],
  });
export type DisableTwoFactorInput = z.input<typeof disableTwoFactorInput>;

export const resetTwoFactorInput = z.object({
  staffId: z.uuid("Not a staff account id"),
  reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(500),
});
export type ResetTwoFactorInput = z.input<typeof resetTwoFactorInput>;

export const roleRequirementInput = z.object({
  role: z.enum(staffRoles),
  requireTwoFactor: z.boolean(),
});
export type RoleRequirementInput = z.input<typeof roleRequirementInput>;

/** The second sign-in step's fields, as the form posts them. */
export const secondFactorInput = z.object({
  challenge: z.uuid(),
  code: z.string().trim().min(1).max(40),
  method: z.enum(["totp", "recovery_code"]).default("totp"),
});
