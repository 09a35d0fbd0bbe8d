import { randomUUID } from "node:crypto";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import type { ServiceContext } from "../context";
import { resolveAdminActor } from "../staff/actor";

/** Opens the same database the web app would (DATABASE_URL, else embedded), migrated. */
export async function withDatabase<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ max: 2 });
  try {
    await migrateDatabase(handle);
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

/** A service context for a CLI mutation, audited as the given admin "via cli". */
export async function adminContext(
  handle: DatabaseHandle,
  actorEmail: string | undefined,
): Promise<ServiceContext> {
  if (!actorEmail) throw new Error("this command changes data: pass --actor <admin email>");
  const actor = await resolveAdminActor(handle.db, actorEmail);
  return {
    db: handle.db,
    actor,
    via: "cli",
    requestId: randomUUID(),
    userAgent: `paydesk-cli (${process.env.USER ?? "unknown user"})`,
  };
}
