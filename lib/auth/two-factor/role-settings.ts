import { asc, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { roleSecuritySettings } from "@/db/schema";
import { type StaffRole, staffRoles } from "@/db/schema/enums";
import { appendAudit } from "../../audit/append";
import { actorLabel, assertCan, nowOf, type ServiceContext } from "../../context";
import { parseInput } from "../../validation/parse";
import { type RoleRequirementInput, roleRequirementInput } from "./schemas";

export interface RoleRequirement {
  role: StaffRole;
  requireTwoFactor: boolean;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** Every role with its setting; a role without a row requires nothing. */
export async function listRoleRequirements(db: Queryable): Promise<RoleRequirement[]> {
  const rows = await db.select().from(roleSecuritySettings).orderBy(asc(roleSecuritySettings.role));
  return staffRoles.map((role) => {
    const row = rows.find((r) => r.role === role);
    return {
      role,
      requireTwoFactor: row?.requireTwoFactor ?? false,
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  });
}

/**
 * Whether a role must sign in with a second factor. Turning it on does not end sessions:
 * members without a factor are sent to enrol on their next request.
 */
export async function setRoleRequirement(
  ctx: ServiceContext,
  raw: RoleRequirementInput,
): Promise<{ role: StaffRole; requireTwoFactor: boolean; changed: boolean }> {
  assertCan(ctx, "security.manage");
  const input = parseInput(roleRequirementInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(roleSecuritySettings)
      .where(eq(roleSecuritySettings.role, input.role))
      .for("update");
    const was = before?.requireTwoFactor ?? false;
    if (before && was === input.requireTwoFactor) {
      return { role: input.role, requireTwoFactor: was, changed: false };
    }
    await tx
      .insert(roleSecuritySettings)
      .values({
        role: input.role,
        requireTwoFactor: input.requireTwoFactor,
        updatedAt: now,
        updatedBy: actorLabel(ctx.actor),
      })
      .onConflictDoUpdate({
        target: roleSecuritySettings.role,
        set: { requireTwoFactor: input.requireTwoFactor, updatedAt: now, updatedBy: actorLabel(ctx.actor) },
      });
    await appendAudit(tx, ctx, {
      action: "security.settings_update",
      entityType: "role_security",
      entityId: input.role,
      before: { requireTwoFactor: was },
      after: { requireTwoFactor: input.requireTwoFactor },
    });
    return { role: input.role, requireTwoFactor: input.requireTwoFactor, changed: true };
  });
}
