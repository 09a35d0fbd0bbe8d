import { asc, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type StaffUser, staffUsers } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { clearEmailFailures } from "../auth/rate-limit";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import {
  type ResetStaffPasswordInput,
  resetStaffPasswordInput,
  type SetStaffDisabledInput,
  setStaffDisabledInput,
} from "../validation/staff";
import { lockEnabledAdmins, lockStaff } from "./locks";
import { generatePassword, hashPassword } from "./password";

/** A staff account as the staff page shows it: never the password hash. */
export type StaffListItem = Pick<
  StaffUser,
  | "id"
  | "email"
  | "name"
  | "role"
  | "disabled"
  | "mustChangePassword"
  | "failedLoginCount"
  | "lockedUntil"
  | "lastLoginAt"
  | "createdAt"
>;

const listColumns = {
  id: staffUsers.id,
  email: staffUsers.email,
  name: staffUsers.name,
  role: staffUsers.role,
  disabled: staffUsers.disabled,
  mustChangePassword: staffUsers.mustChangePassword,
  failedLoginCount: staffUsers.failedLoginCount,
  lockedUntil: staffUsers.lockedUntil,
  lastLoginAt: staffUsers.lastLoginAt,
  createdAt: staffUsers.createdAt,
};

/** Every staff account, admins first (the role enum's order), then by email. */
export async function listStaff(db: Queryable): Promise<StaffListItem[]> {
  return db
    .select(listColumns)
    .from(staffUsers)
    .orderBy(asc(staffUsers.role), asc(sql`lower(${staffUsers.email}) collate "C"`), asc(staffUsers.id));
}

export interface SetStaffDisabledResult {
  user: StaffListItem;
  /** False when the account already was in the requested state: nothing was written. */
  changed: boolean;
}

function listItem(user: StaffUser): StaffListItem {
  const { passwordHash: _hash, updatedAt: _updated, ...item } = user;
  return item;
}

/**
 * Disables or re-enables a staff account. Refuses to disable the acting admin's own
 * account or the last enabled admin. Enabling also lifts a sign-in lock-out.
 */
export async function setStaffDisabled(
  ctx: ServiceContext,
  raw: SetStaffDisabledInput,
): Promise<SetStaffDisabledResult> {
  assertCan(ctx, "staff.manage");
  const input = parseInput(setStaffDisabledInput, raw);
  const staffId = input.staffId.toLowerCase();
  const now = nowOf(ctx);

  return ctx.db.transaction(async (tx) => {
    const enabledAdmins = await lockEnabledAdmins(tx, ctx);
    const actor = ctx.actor;
    const before = await lockStaff(tx, staffId);
    if (before.disabled === input.disabled) return { user: listItem(before), changed: false };

    if (input.disabled) {
      if (actor.type === "staff" && actor.id === before.id) {
        throw new ServiceError("conflict", "You cannot disable your own account: ask another admin");
      }
      const othersLeft = enabledAdmins.filter((a) => a.id !== before.id).length;
      if (before.role === "admin" && othersLeft === 0) {
        throw new ServiceError(
          "conflict",
          `${before.email} is the last enabled admin: enable or create another admin first`,
        );
      }
    }

    const [user] = await tx
      .update(staffUsers)
      .set(
        input.disabled
          ? // Its sessions end for good: enabling it again later does not revive them.
            { disabled: true, sessionsValidAfter: now, keptSessionId: null, updatedAt: now }
          : { disabled: false, failedLoginCount: 0, lockedUntil: null, updatedAt: now },
      )
      .where(eq(staffUsers.id, before.id))
      .returning();
    if (!user) throw new Error("staff update lost");
    // Enabling lifts the lock-out: its failure counter goes too.
    if (!input.disabled) await clearEmailFailures(tx, user.email);
    await step(ctx, "staff.written");

    await appendAudit(
      tx,
      ctx,
      {
        action: input.disabled ? "staff.disable" : "staff.enable",
        entityType: "staff",
        entityId: user.id,
        before: { disabled: before.disabled },
        after: { disabled: user.disabled },
        reason: input.reason || null,
      },
      { entityLocked: true },
    );
    await step(ctx, "staff.done");
    return { user: listItem(user), changed: true };
  });
}

export interface ResetStaffPasswordResult {
  /** Show it once to the admin; it is stored only as an argon2id hash. */
  oneTimePassword: string;
}

/** Replaces a staff account's password with a generated one and lifts any lock-out. */
export async function resetStaffPassword(
  ctx: ServiceContext,
  raw: ResetStaffPasswordInput,
): Promise<ResetStaffPasswordResult> {
  assertCan(ctx, "staff.manage");
  const input = parseInput(resetStaffPasswordInput, raw);
  const staffId = input.staffId.toLowerCase();
  const oneTimePassword = generatePassword();
  // Hashing is slow on purpose: do it before the transaction takes any lock.
  const passwordHash = await hashPassword(oneTimePassword);
  const now = nowOf(ctx);

  return ctx.db.transaction(async (tx) => {
    const before = await lockStaff(tx, staffId);
    const [user] = await tx
      .update(staffUsers)
      .set({
        passwordHash,
        mustChangePassword: true,
        failedLoginCount: 0,
        lockedUntil: null,
        // Whoever held the old password may still hold a session: end them all.
        sessionsValidAfter: now,
        keptSessionId: null,
        updatedAt: now,
      })
      .where(eq(staffUsers.id, before.id))
      .returning({ id: staffUsers.id });
    if (!user) throw new Error("staff update lost");
    // The reset lifts the lock-out: its failure counter goes too.
    await clearEmailFailures(tx, before.email);
    await step(ctx, "staff.written");

    // Never the password or its hash: only that it changed and the lock-out it lifted.
    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.password_reset",
        entityType: "staff",
        entityId: user.id,
        before: {
          failedLoginCount: before.failedLoginCount,
          lockedUntil: before.lockedUntil,
          mustChangePassword: before.mustChangePassword,
        },
        after: { failedLoginCount: 0, lockedUntil: null, mustChangePassword: true },
      },
      { entityLocked: true },
    );
    await step(ctx, "staff.done");
    return { oneTimePassword };
  });
}
