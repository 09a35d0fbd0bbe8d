import { eq } from "drizzle-orm";
import { z } from "zod";
import { type StaffUser, staffUsers } from "@/db/schema";
import { staffRoles } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { reason } from "../validation/common";
import { parseInput } from "../validation/parse";
import { staffId } from "../validation/staff";
import { lockEnabledAdmins, lockStaff } from "./locks";

export const changeStaffRoleInput = z.object({
  staffId,
  role: z.enum(staffRoles, { error: `Role must be one of: ${staffRoles.join(", ")}` }),
  reason,
});
export type ChangeStaffRoleInput = z.input<typeof changeStaffRoleInput>;

export interface ChangeStaffRoleResult {
  id: string;
  email: string;
  role: StaffUser["role"];
  /** False when the account already had the role: nothing was written, no session ended. */
  changed: boolean;
}

/**
 * Gives a staff member another role (admins only). Refuses to leave the system without an
 * enabled admin, audits the change with its reason, and ends every session of that person:
 * a session carries its role, so one issued under the old role must not outlive it.
 */
export async function changeStaffRole(
  ctx: ServiceContext,
  raw: ChangeStaffRoleInput,
): Promise<ChangeStaffRoleResult> {
  assertCan(ctx, "staff.change_role");
  const input = parseInput(changeStaffRoleInput, raw);
  const id = input.staffId.toLowerCase();
  const now = nowOf(ctx);

  return ctx.db.transaction(async (tx) => {
    const enabledAdmins = await lockEnabledAdmins(tx, ctx);
    const before = await lockStaff(tx, id);
    if (before.role === input.role) {
      return { id: before.id, email: before.email, role: before.role, changed: false };
    }
    if (before.role === "admin" && !before.disabled && enabledAdmins.every((a) => a.id === before.id)) {
      throw new ServiceError(
        "conflict",
        `${before.email} is the last enabled admin: make another staff member an admin first`,
      );
    }

    const [user] = await tx
      .update(staffUsers)
      // Every session ends, including any the person kept when they last changed their password.
      .set({ role: input.role, sessionsValidAfter: now, keptSessionId: null, updatedAt: now })
      .where(eq(staffUsers.id, before.id))
      .returning();
    if (!user) throw new Error("staff update lost");
    await step(ctx, "staff.written");

    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.role_change",
        entityType: "staff",
        entityId: user.id,
        before: { role: before.role },
        after: { role: user.role },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    await step(ctx, "staff.done");
    return { id: user.id, email: user.email, role: user.role, changed: true };
  });
}
