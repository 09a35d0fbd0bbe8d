"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { changeStaffRole, changeStaffRoleInput } from "@/lib/staff/change-role";

export const changeStaffRoleAction = defineAction({
  permission: "staff.change_role",
  input: changeStaffRoleInput,
  async run(ctx, _input, raw) {
    const result = await changeStaffRole(ctx, raw);
    revalidatePath("/staff");
    return result;
  },
});
