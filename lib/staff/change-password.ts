import { eq } from "drizzle-orm";
import { staffUsers } from "@/db/schema";
import { appendAudit } from "../audit/append";
import {
  chargeEmailAttempt,
  clearEmailFailures,
  LOCKOUT_SECONDS,
  lockEmail,
  MAX_CONSECUTIVE_FAILURES,
} from "../auth/rate-limit";
import { nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { isUuid } from "../validation/common";
import { parseInput } from "../validation/parse";
import { type ChangeOwnPasswordInput, changeOwnPasswordInput } from "../validation/staff";
import { hashPassword, verifyPassword } from "./password";

export const PASSWORD_CHANGE_LOCKED_MESSAGE =
  "Too many wrong passwords: this account is locked for 15 minutes. Try again later.";

/** The session asking for the change: it stays signed in, every other one ends. */
export interface ChangingSession {
  sessionId: string | null;
}

/**
 * A staff member replaces their own password (required after a one-time password). Any
 * signed-in role may; the current password proves it is them and not a borrowed session.
 * A wrong current password counts towards the same lock-out as a failed sign-in (5 in 15
 * minutes lock the account for 15 minutes), and a locked account cannot change it. A change
 * ends every other session of the account: whoever knew the old password may hold one.
 */
export async function changeOwnPassword(
  ctx: ServiceContext,
  raw: ChangeOwnPasswordInput,
  session: ChangingSession = { sessionId: null },
): Promise<void> {
  const actor = ctx.actor;
  if (actor.type !== "staff")
    throw new ServiceError("forbidden", "Only a staff member can change their password");
  const input = parseInput(changeOwnPasswordInput, raw);
  const now = nowOf(ctx);
  const email = actor.email.trim().toLowerCase();
  // Charged before the password is checked, atomically, as for a sign-in: parallel guesses
  // cannot slip past the fifth.
  const attempt = await chargeEmailAttempt(ctx.db, email, now, `staff:${actor.id}`);
  if (attempt.lockedBefore) throw new ServiceError("forbidden", PASSWORD_CHANGE_LOCKED_MESSAGE);
  const passwordHash = await hashPassword(input.newPassword);
  const keptSessionId = session.sessionId && isUuid(session.sessionId) ? session.sessionId : null;

  const refused = await ctx.db.transaction(async (tx): Promise<"wrong" | "locked" | null> => {
    const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, actor.id)).for("update");
    if (!user || user.disabled) throw new ServiceError("forbidden", "This account can no longer sign in");
    if (user.lockedUntil && user.lockedUntil > now) return "locked";
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      const lockedNow = attempt.points >= MAX_CONSECUTIVE_FAILURES;
      const lockedUntil = lockedNow ? await lockEmail(tx, attempt, now) : null;
      await tx
        .update(staffUsers)
        .set(lockedNow ? { failedLoginCount: 0, lockedUntil } : { failedLoginCount: attempt.points })
        .where(eq(staffUsers.id, user.id));
      await appendAudit(
        tx,
        ctx,
        {
          action: "staff.password_change_failed",
          entityType: "staff",
          entityId: user.id,
          after: { outcome: "wrong_current_password", failedLoginCount: attempt.points },
        },
        { entityLocked: true },
      );
      if (lockedUntil) {
        await appendAudit(
          tx,
          ctx,
          {
            action: "staff.lock_out",
            entityType: "staff",
            entityId: user.id,
            before: { lockedUntil: null },
            after: {
              email: user.email,
              lockedUntil: lockedUntil.toISOString(),
              lockedForSeconds: LOCKOUT_SECONDS,
            },
          },
          { entityLocked: true },
        );
      }
      return lockedNow ? "locked" : "wrong";
    }
    await tx
      .update(staffUsers)
      .set({
        passwordHash,
        mustChangePassword: false,
        failedLoginCount: 0,
        lockedUntil: null,
        // Every session that began before now ends, except the one making the change.
        sessionsValidAfter: now,
        keptSessionId,
        updatedAt: now,
      })
      .where(eq(staffUsers.id, user.id));
    await clearEmailFailures(tx, email);
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
    return null;
  });
  if (refused === "locked") throw new ServiceError("forbidden", PASSWORD_CHANGE_LOCKED_MESSAGE);
  if (refused === "wrong") throw ServiceError.field("currentPassword", "The current password is not right");
}
