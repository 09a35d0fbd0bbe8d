import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { componentLogger } from "../lib/log";
import { acquireDataDirLock } from "./embedded-lock";
import * as schema from "./schema";

export type Schema = typeof schema;
/** The driver-independent database type every service function takes. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Anything that can run a query: the database or an open transaction. */
export type Queryable = Db | Tx;

/**
 * PGlite with the extensions the migrations create (it must be given them when it opens).
 * Imported on first use: a process on PostgreSQL (the CLI above all) never loads it.
 */
export async function loadPglite() {
  const [{ PGlite }, { pg_trgm }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite/contrib/pg_trgm"),
  ]);
  return { PGlite, extensions: { pg_trgm } };
}

export interface DatabaseHandle {
  db: Db;
  kind: "pglite" | "postgres";
  /** Human-readable location, for logs and errors (never includes a password). */
  location: string;
  close(): Promise<void>;
  /** Only for embedded databases: the raw PGlite instance. */
  pglite?: PGlite;
  /** Only for PostgreSQL: the raw postgres.js client and its connection string. */
  sql?: postgres.Sql;
  url?: string;
}

export interface OpenOptions {
  /** PostgreSQL connection string; when absent the embedded database is used. */
  url?: string;
  /** Embedded data directory, or "memory://" for a throwaway in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  max?: number;
}

/**
 * drizzle's postgres-js driver sends unnamed statements, for which postgres.js needs a
 * describe round trip before every execution. Prepared statements (cached per connection
 * by postgres.js) halve the round trips of every query. Set DB_PREPARE=0 behind a
 * transaction-mode pooler that cannot keep prepared statements.
 */
function withPreparedStatements(sql: postgres.Sql): postgres.Sql {
  const wrap = (client: postgres.Sql): postgres.Sql =>
    new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === "unsafe") {
          return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
            target.unsafe(query, params as never, { ...options, prepare: true });
        }
        if (prop === "begin" || prop === "savepoint") {
          return (...args: unknown[]) => {
            const last = args.length - 1;
            const fn = args[last] as (c: postgres.Sql) => unknown;
            args[last] = (inner: postgres.Sql) => fn(wrap(inner));
            return (Reflect.get(target, prop, receiver) as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  return wrap(sql);
}

/** The drizzle database over a postgres.js client, as the app uses it. */
export function drizzleOverPostgres(sql: postgres.Sql): Db {
  const client = process.env.DB_PREPARE === "0" ? sql : withPreparedStatements(sql);
  return drizzlePostgres(client, { schema }) as unknown as Db;
}

// Which PostgreSQL database a drizzle handle opened by `openDatabase` is on, for work that needs a
// connection of its own (the audit export's COPY runs on one it can close when the client leaves).
// A registered symbol on the handle itself: Next bundles route handlers separately, so a module-level
// map here could be another bundle's copy.
const POSTGRES_URL = Symbol.for("paydesk.db.postgresUrl");

/** The connection URL behind a database opened on PostgreSQL; null for PGlite and transactions. */
export function postgresUrlOf(db: Queryable): string | null {
  const url = (db as unknown as Record<symbol, unknown>)[POSTGRES_URL];
  return typeof url === "string" ? url : null;
}

export function defaultDataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.DATA_DIR || ".data");
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres";
  }
}

/**
 * The embedded data directory holds the whole database and the session signing secret: only
 * the account running the app may enter it (0700), whether it is created now or already
 * existed with looser permissions.
 */
export function ensurePrivateDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (process.platform === "win32") return;
  try {
    if ((fs.statSync(dataDir).mode & 0o777) !== 0o700) fs.chmodSync(dataDir, 0o700);
  } catch (err) {
    componentLogger("database").warn(
      { err, dataDir },
      "could not restrict the data directory to its owner (chmod 700); other accounts may read it",
    );
  }
}

export async function openDatabase(options: OpenOptions = {}): Promise<DatabaseHandle> {
  const url = options.url ?? process.env.DATABASE_URL;
  if (url) {
    const sql = postgres(url, {
      max: options.max ?? Number(process.env.DB_POOL_MAX || 10),
      onnotice: () => {},
      connection: { application_name: "paydesk" },
    });
    const db = drizzleOverPostgres(sql);
    Object.defineProperty(db, POSTGRES_URL, { value: url });
    return { db, kind: "postgres", location: redact(url), sql, url, close: () => sql.end({ timeout: 5 }) };
  }

  const dataDir = options.dataDir ?? defaultDataDir();
  const { PGlite, extensions } = await loadPglite();
  if (dataDir.startsWith("memory://")) {
    const pglite = await PGlite.create({ extensions });
    const db = drizzlePglite(pglite, { schema }) as unknown as Db;
    return { db, kind: "pglite", location: "memory", pglite, close: () => pglite.close() };
  }

  ensurePrivateDataDir(dataDir);
  const release = await acquireDataDirLock(dataDir);
  try {
    const pglite = await PGlite.create(path.join(dataDir, "pgdata"), { extensions });
    const db = drizzlePglite(pglite, { schema }) as unknown as Db;
    return {
      db,
      kind: "pglite",
      location: dataDir,
      pglite,
      close: async () => {
        await pglite.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
