import { z } from "zod";
import { staffRoles } from "@/db/schema/enums";
import { email, requiredText, text } from "./common";

export const password = z
  .string()
  .min(12, "Password needs at least 12 characters")
  .max(200, "Password is too long");

export const createStaffInput = z.object({
  email,
  name: requiredText("Name", 200),
  role: z.enum(staffRoles, { error: `Role must be one of: ${staffRoles.join(", ")}` }),
  password: password.optional(),
});
export type CreateStaffInput = z.input<typeof createStaffInput>;

export const staffId = z.uuid("Not a valid staff id");

export const setStaffDisabledInput = z.object({
  staffId,
  disabled: z.boolean({ error: "Say whether the account is disabled" }),
  reason: text("Reason", 500).optional().nullable(),
});
export type SetStaffDisabledInput = z.input<typeof setStaffDisabledInput>;

export const resetStaffPasswordInput = z.object({ staffId });
export type ResetStaffPasswordInput = z.input<typeof resetStaffPasswordInput>;

export const changeOwnPasswordInput = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password").max(200),
    newPassword: password,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    message: "The two new passwords differ",
    path: ["confirmPassword"],
  })
  .refine((v) => v.newPassword !== v.currentPassword, {
    message: "Choose a password different from the current one",
    path: ["newPassword"],
  });
export type ChangeOwnPasswordInput = z.input<typeof changeOwnPasswordInput>;
