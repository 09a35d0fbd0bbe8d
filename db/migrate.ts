import path from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
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
  return withAdvisoryLock(handle.url, key, fn);
}

async function withAdvisoryLock<T>(url: string, key: number, fn: () => Promise<T>): Promise<T> {
  const lockConn = postgres(url, { max: 1, onnotice: () => {} });
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

/** The owner's connection for migrating, when the app itself runs as a less privileged role. */
export function migrationDatabaseUrl(): string | undefined {
  return process.env.MIGRATION_DATABASE_URL || undefined;
}

export interface MigrateOptions {
  /**
   * PostgreSQL URL to migrate through (the migration role, which owns the tables), when it is
   * not the handle's own: `MIGRATION_DATABASE_URL`. Same database, another role.
   */
  url?: string;
}

const PERMISSION_DENIED = "42501";

/**
 * Whether every migration in the folder is applied, read the way drizzle's migrator decides
 * (the newest applied `created_at` against each migration's timestamp). Unknown (false) when
 * the bookkeeping table is missing or unreadable: the migrator then runs and says why.
 */
async function upToDate(conn: postgres.Sql, folder: string): Promise<boolean> {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  try {
    const [last] = await conn<{ created_at: string | null }[]>`
      select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
    if (!last) return migrations.length === 0;
    return migrations.every((m) => Number(last.created_at) >= m.folderMillis);
  } catch {
    return false;
  }
}

/**
 * Applies pending migrations. On PostgreSQL concurrent starters serialise on an advisory
 * lock: the second waits, then finds nothing to do. When nothing is pending nothing is run
 * at all, so an app role that owns no table (db/roles.ts) starts without migrating.
 */
export async function migrateDatabase(handle: DatabaseHandle, options: MigrateOptions = {}): Promise<void> {
  const folder = migrationsFolder();
  if (handle.kind === "pglite") {
    if (!handle.pglite) throw new Error("embedded database handle without PGlite");
    await migratePglite(drizzlePglite(handle.pglite), { migrationsFolder: folder });
    return;
  }
  const url = options.url || handle.url;
  if (!url) throw new Error("a PostgreSQL handle without its connection URL");
  // The common case, nothing pending, is answered on a connection the caller already has: no
  // lock and no extra connections (two new connections were most of a CLI call's database time).
  if (handle.sql && (await upToDate(handle.sql, folder))) return;
  await withAdvisoryLock(url, MIGRATION_LOCK_KEY, async () => {
    // The migrator runs its statements in one transaction on a single-connection client.
    const conn = postgres(url, { max: 1, onnotice: () => {} });
    try {
      if (await upToDate(conn, folder)) return;
      await migratePostgres(drizzlePostgres(conn), { migrationsFolder: folder });
    } catch (err) {
      // drizzle wraps the driver's error ("Failed query: …") with it as the cause.
      const e = err as { code?: string; cause?: { code?: string; message?: string } };
      if (e.code === PERMISSION_DENIED || e.cause?.code === PERMISSION_DENIED) {
        throw new Error(
          `cannot migrate: this database role does not own the tables (${e.cause?.message ?? (err as Error).message}). ` +
            "Run `npm run db:migrate` as the migration role (MIGRATION_DATABASE_URL) first, or set MIGRATION_DATABASE_URL for the app",
        );
      }
      throw err;
    } finally {
      await conn.end({ timeout: 5 });
    }
  });
}
