/** The bench database: its name, creating it, and filling it from several sessions at once. */
import postgres from "postgres";
import { quiet, withDatabase } from "./common";

/** The database named by `url`, checked to be a plain identifier (it is interpolated into DDL). */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`the bench database name "${name}" is not a plain identifier`);
  }
  return name;
}

/** Creates the database named by `url` on its server unless it exists; true when it was created. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = postgres(withDatabase(url, "postgres"), { max: 1, ...quiet });
  try {
    const [found] = await admin`select 1 as one from pg_database where datname = ${name}`;
    if (found) return false;
    await admin.unsafe(`create database "${name}"`);
    return true;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Runs `fn` for each of `parts` slices of 1..total, each on a session of its own, in parallel.
 * `seed` makes each session's random() sequence reproducible (a different one per part).
 */
export async function inParallel(
  url: string,
  parts: number,
  total: number,
  fn: (sql: postgres.Sql, first: number, last: number, part: number) => Promise<unknown>,
  seed = 0.4242,
): Promise<void> {
  const size = Math.ceil(total / parts);
  await Promise.all(
    Array.from({ length: parts }, async (_, part) => {
      const first = part * size + 1;
      const last = Math.min(total, (part + 1) * size);
      if (first > last) return;
      const sql = postgres(url, { max: 1, ...quiet });
      try {
        // Nothing here needs to survive a crash before the next checkpoint: skip the WAL flush
        // wait at commit.
        await sql`set synchronous_commit = off`;
        await sql`select setseed(${seed / (part + 1)})`;
        await fn(sql, first, last, part);
      } finally {
        await sql.end({ timeout: 5 });
      }
    }),
  );
}
