import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { staffUsers } from "@/db/schema";
import type { Actor } from "../context";
import { ServiceError } from "../errors";

/** The staff member a CLI call acts as: must exist, be enabled, and be an admin. */
export async function resolveAdminActor(db: Queryable, email: string): Promise<Actor> {
  const [user] = await db
    .select()
    .from(staffUsers)
    .where(sql`lower(${staffUsers.email}) = ${email.trim().toLowerCase()}`);
  if (!user) throw new ServiceError("forbidden", `No staff account ${email}`);
  if (user.disabled) throw new ServiceError("forbidden", `Staff account ${user.email} is disabled`);
  if (user.role !== "admin")
    throw new ServiceError("forbidden", `${user.email} is ${user.role}, not an admin`);
  return { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
}
