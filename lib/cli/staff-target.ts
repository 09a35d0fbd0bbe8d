import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { staffUsers } from "@/db/schema";
import { ServiceError } from "../errors";
import { isUuid } from "../validation/common";

/** The staff account a CLI argument names: its id, or its email in any case. */
export async function staffNamedBy(db: Queryable, who: string): Promise<{ id: string; email: string }> {
  const [user] = await db
    .select({ id: staffUsers.id, email: staffUsers.email })
    .from(staffUsers)
    .where(
      isUuid(who)
        ? sql`${staffUsers.id} = ${who.toLowerCase()}`
        : sql`lower(${staffUsers.email}) = ${who.trim().toLowerCase()}`,
    );
  if (!user) throw ServiceError.notFound(`No staff account ${who}`);
  return user;
}
