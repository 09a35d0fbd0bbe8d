import { eq } from "drizzle-orm";
import { staffUsers } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import { type ChangeOwnPasswordInput, changeOwnPasswordInput } from "../validation/staff";
import { hashPassword, verifyPassword } from "./password";

/**
 * A staff member replaces their own password (required after a one-time password). Any
 * signed-in role may; the current password proves it is them and not a borrowed session.
 */
export async function changeOwnPassword(ctx: ServiceContext, raw: ChangeOwnPasswordInput): Promise<void> {
  const actor = ctx.actor;
  if (actor.type !== "staff")
    throw new ServiceError("forbidden", "Only a staff member can change their password");
  const input = parseInput(changeOwnPasswordInput, raw);
  const passwordHash = await hashPassword(input.newPassword);
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, actor.id)).for("update");
    if (!user || user.disabled) throw new ServiceError("forbidden", "This account can no longer sign in");
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw ServiceError.field("currentPassword", "The current password is not right");
    }
    await tx
      .update(staffUsers)
      .set({ passwordHash, mustChangePassword: false, updatedAt: now })
      .where(eq(staffUsers.id, user.id));
    await step(ctx, "staff.written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.password_change",
        entityType: "staff",
        entityId: user.id,
        before: { mustChangePassword: user.mustChangePassword },
        after: { mustChangePassword: false },
      },
      { entityLocked: true },
    );
  });
}
