import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "@/db/client";
import { staffUsers } from "@/db/schema";
import type { ServiceContext } from "../context";

/**
 * A database with no staff at all has nobody to act as: the first account is created by
 * the operator at the console, audited as `system:bootstrap`.
 */
export async function bootstrapContextIfNoStaff(handle: DatabaseHandle): Promise<ServiceContext | null> {
  const [row] = await handle.db.select({ n: sql<number>`count(*)::int` }).from(staffUsers);
  if ((row?.n ?? 0) > 0) return null;
  return {
    db: handle.db,
    actor: { type: "system", id: "system:bootstrap" },
    via: "cli",
    requestId: randomUUID(),
  };
}
