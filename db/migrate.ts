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

// Any constants work; they only have to be the same for every Paydesk process.
export const MIGRATION_LOCK_KEY = 7_240_611_001;
export const SEED_LOCK_KEY = 7_240_611_002;

/**
 * Runs `fn` holding a PostgreSQL session advisory lock, taken on a dedicated connection so
 * that it is held for the whole of `fn` whatever pool connections `fn` uses. Embedded
 * databases have one process by construction and need no lock.
 */
export async function withStartupLock<T>(
  handle: DatabaseHandle,
  key: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (handle.kind === "pglite") return fn();
  if (!handle.url) throw new Error("a PostgreSQL handle without its connection URL");
  const lockConn = postgres(handle.url, { max: 1, onnotice: () => {} });
  try {
    await lockConn`select pg_advisory_lock(${key})`;
    try {
      return await fn();
    } finally {
      await lockConn`select pg_advisory_unlock(${key})`;
    }
  } finally {
    await lockConn.end({ timeout: 5 });
  }
}

/**
 * Applies pending migrations. On PostgreSQL concurrent starters serialise on an advisory
 * lock: the second waits, then finds nothing to do.
 */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  const folder = migrationsFolder();
  if (handle.kind === "pglite") {
    if (!handle.pglite) throw new Error("embedded database handle without PGlite");
    await migratePglite(drizzlePglite(handle.pglite), { migrationsFolder: folder });
    return;
  }
  await withStartupLock(handle, MIGRATION_LOCK_KEY, async () => {
    // The migrator runs its statements in one transaction on a single-connection client.
    const conn = postgres(handle.url!, { max: 1, onnotice: () => {} });
    try {
      await migratePostgres(drizzlePostgres(conn), { migrationsFolder: folder });
    } finally {
      await conn.end({ timeout: 5 });
    }
  });
}
