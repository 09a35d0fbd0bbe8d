import path from "node:path";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DatabaseHandle } from "./client";

export function migrationsFolder(): string {
  return process.env.MIGRATIONS_DIR || path.resolve(/*turbopackIgnore: true*/ process.cwd(), "db/migrations");
}

// Any constant works; it only has to be the same for every Paydesk process.
const MIGRATION_LOCK_KEY = 7_240_611_001;

/**
 * Applies pending migrations. On PostgreSQL a session advisory lock on a dedicated
 * connection serialises concurrent starters: the second waits, then finds nothing to do.
 */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  const folder = migrationsFolder();
  if (handle.kind === "pglite") {
    if (!handle.pglite) throw new Error("embedded database handle without PGlite");
    await migratePglite(drizzlePglite(handle.pglite), { migrationsFolder: folder });
    return;
  }
  const url = handle.url;
  if (!url) throw new Error("migrating PostgreSQL needs its connection URL");
  const lockConn = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lockConn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres(lockConn), { migrationsFolder: folder });
    } finally {
      await lockConn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await lockConn.end({ timeout: 5 });
  }
}
