import { and, count, eq, isNotNull, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { roleSecuritySettings, staffRecoveryCodes, staffTwoFactor } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";

export interface TwoFactorStatus {
  enrolled: boolean;
  enabledAt: Date | null;
  /** Enrolment started (a secret exists) but no code confirmed it yet. */
  pending: boolean;
  recoveryCodesLeft: number;
  /** The role requires a second factor to sign in. */
  required: boolean;
}

export async function roleRequiresTwoFactor(db: Queryable, role: StaffRole): Promise<boolean> {
  const [row] = await db
    .select({ required: roleSecuritySettings.requireTwoFactor })
    .from(roleSecuritySettings)
    .where(eq(roleSecuritySettings.role, role));
  return row?.required ?? false;
}

/** Whether the account has a confirmed second factor (then every sign-in asks for it). */
export async function hasTwoFactor(db: Queryable, staffId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: staffTwoFactor.staffId })
    .from(staffTwoFactor)
    .where(and(eq(staffTwoFactor.staffId, staffId), isNotNull(staffTwoFactor.enabledAt)));
  return Boolean(row);
}

/**
 * True while the account's role requires a second factor and it has none: such a session
 * may only enrol (at /account/security) or sign out.
 */
export async function mustEnrolTwoFactor(db: Queryable, staffId: string, role: StaffRole): Promise<boolean> {
  if (!(await roleRequiresTwoFactor(db, role))) return false;
  return !(await hasTwoFactor(db, staffId));
}

export async function twoFactorStatus(
  db: Queryable,
  staffId: string,
  role: StaffRole,
): Promise<TwoFactorStatus> {
  const [row] = await db
    .select({ enabledAt: staffTwoFactor.enabledAt })
    .from(staffTwoFactor)
    .where(eq(staffTwoFactor.staffId, staffId));
  const [codes] = await db
    .select({ n: count() })
    .from(staffRecoveryCodes)
    .where(and(eq(staffRecoveryCodes.staffId, staffId), isNull(staffRecoveryCodes.usedAt)));
  return {
    enrolled: Boolean(row?.enabledAt),
    enabledAt: row?.enabledAt ?? null,
    pending: Boolean(row) && !row?.enabledAt,
    recoveryCodesLeft: row?.enabledAt ? (codes?.n ?? 0) : 0,
    required: await roleRequiresTwoFactor(db, role),
  };
}

/** Which staff accounts have a confirmed second factor (for the staff page). */
export async function enrolledStaffIds(db: Queryable): Promise<Set<string>> {
  const rows = await db
    .select({ id: staffTwoFactor.staffId })
    .from(staffTwoFactor)
    .where(isNotNull(staffTwoFactor.enabledAt));
  return new Set(rows.map((r) => r.id));
}
