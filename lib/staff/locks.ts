import { and, asc, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { type StaffUser, staffUsers } from "@/db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";

/**
 * The first lock of every staff change: the enabled admins, in id order (the target comes
 * after). One order for all, so two admins disabling or demoting each other serialise (the
 * second then sees the first's commit) instead of both seeing two admins, or deadlocking. An
 * admin disabled or demoted by a transaction that committed while this one waited no longer acts.
 */
export async function lockEnabledAdmins(tx: Tx, ctx: ServiceContext): Promise<{ id: string }[]> {
  const enabledAdmins = await tx
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(and(eq(staffUsers.role, "admin"), eq(staffUsers.disabled, false)))
    .orderBy(asc(staffUsers.id))
    .for("update");
  const actor = ctx.actor;
  if (actor.type === "staff" && !enabledAdmins.some((a) => a.id === actor.id)) {
    throw new ServiceError("forbidden", `${actor.email} is no longer an enabled admin`);
  }
  return enabledAdmins;
}

/** The staff account a change is about, locked. */
export async function lockStaff(tx: Tx, staffId: string): Promise<StaffUser> {
  const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, staffId)).for("update");
  if (!user) throw ServiceError.notFound(`No staff account with id ${staffId}`);
  return user;
}
