import { randomUUID } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import postgres from "postgres";
import { type DatabaseHandle, type Db, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import * as schema from "@/db/schema";

/** Which database this test run uses: PGlite by default, PostgreSQL in the `postgres` project. */
export const backend: "pglite" | "postgres" =
  process.env.PAYDESK_TEST_BACKEND === "postgres" ? "postgres" : "pglite";

/**
 * Each test run (one vitest main process) has its own template and database names, so runs
 * started side by side on one server never drop each other's databases.
 */
export function testRunId(): string {
  return process.env.PAYDESK_PG_RUN ?? String(process.ppid);
}

export function templateDb(run = testRunId()): string {
  return `paydesk_tpl_${run}`;
}

export function databaseUrl(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  return url;
}

/** The extensions the migrations create, as `openDatabase` gives them to PGlite. */
const pgliteExtensions = { pg_trgm };

let pgliteTemplate: Promise<File | Blob> | null = null;

async function migratedPgliteDump(): Promise<File | Blob> {
  const pglite = await PGlite.create({ extensions: pgliteExtensions });
  await migrateDatabase({
    db: drizzlePglite(pglite) as unknown as Db,
    kind: "pglite",
    location: "memory",
    pglite,
    close: async () => {},
  });
  const dump = await pglite.dumpDataDir("none");
  await pglite.close();
  return dump;
}

export interface TestDatabase extends DatabaseHandle {
  /** For PostgreSQL: the URL of this test's own database (for child processes). */
  url?: string;
  /** Opens another independent connection pool on the same database (PostgreSQL only). */
  name: string;
}

/** A clean, migrated database of its own for one test. */
export async function freshDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  if (backend === "pglite") {
    pgliteTemplate ??= migratedPgliteDump();
    const pglite = await PGlite.create({ loadDataDir: await pgliteTemplate, extensions: pgliteExtensions });
    const db = drizzlePglite(pglite, { schema }) as unknown as Db;
    return { db, kind: "pglite", location: "memory", pglite, name: "memory", close: () => pglite.close() };
  }
  const base = testDatabaseUrl();
  const name = `paydesk_t_${testRunId()}_${randomUUID().slice(0, 8)}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${templateDb()}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(base, name);
  const handle = await openDatabase({ url, max: options.max ?? 24 });
  return {
    ...handle,
    url,
    name,
    close: async () => {
      await handle.close();
      const cleanup = postgres(base, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
