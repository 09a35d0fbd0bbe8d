import { z } from "zod";
import { staffRoles } from "@/db/schema/enums";
import { email, requiredText } from "./common";

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
