"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { setRoleRequirement } from "@/lib/auth/two-factor/role-settings";
import { roleRequirementInput } from "@/lib/auth/two-factor/schemas";

export const setRoleRequirementAction = defineAction({
  permission: "security.manage",
  input: roleRequirementInput,
  async run(ctx, _input, raw) {
    const result = await setRoleRequirement(ctx, raw);
    revalidatePath("/settings/security");
    return result;
  },
});
