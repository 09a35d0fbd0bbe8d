import { and, eq, gt, isNull } from "drizzle-orm";
import { signInChallenges, staffRecoveryCodes, staffTwoFactor, staffUsers } from "@/db/schema";
import { appendAudit } from "../../audit/append";
import { assertCan, nowOf, type ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { parseInput } from "../../validation/parse";
import { type ResetTwoFactorInput, resetTwoFactorInput } from "./schemas";

/**
 * An admin removes another staff member's second factor (a lost phone). Every session of
 * theirs ends, and so does any sign-in waiting for a code: whoever held the old factor
 * must start again with the password, then enrol anew if their role requires it.
 */
export async function resetStaffTwoFactor(
  ctx: ServiceContext,
  raw: ResetTwoFactorInput,
): Promise<{ staffId: string; hadFactor: boolean }> {
  assertCan(ctx, "staff.reset_two_factor");
  const input = parseInput(resetTwoFactorInput, raw);
  const staffId = input.staffId.toLowerCase();
  if (ctx.actor.type === "staff" && ctx.actor.id === staffId) {
    throw new ServiceError("conflict", "Manage your own second factor at Account → Security.");
  }
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, staffId)).for("update");
    if (!user) throw ServiceError.notFound(`No staff account with id ${staffId}`);
    const [factor] = await tx.select().from(staffTwoFactor).where(eq(staffTwoFactor.staffId, staffId));
    if (!factor) throw new ServiceError("conflict", `${user.email} has no second factor to reset.`);
    await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId));
    await tx.delete(staffTwoFactor).where(eq(staffTwoFactor.staffId, staffId));
    await tx
      .update(signInChallenges)
      .set({ expiresAt: now })
      .where(
        and(
          eq(signInChallenges.staffId, staffId),
          isNull(signInChallenges.usedAt),
          gt(signInChallenges.expiresAt, now),
        ),
      );
    await tx
      .update(staffUsers)
      .set({ sessionsValidAfter: now, keptSessionId: null, updatedAt: now })
      .where(eq(staffUsers.id, staffId));
    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.two_factor_reset",
        entityType: "staff",
        entityId: staffId,
        before: { enrolled: Boolean(factor.enabledAt) },
        after: { enrolled: false, sessionsEnded: true },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    return { staffId, hadFactor: Boolean(factor.enabledAt) };
  });
}
