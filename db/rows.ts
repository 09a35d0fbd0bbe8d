import type { SQL } from "drizzle-orm";
import type { Queryable } from "./client";

/**
 * Rows of a raw SQL query, whichever driver runs it: postgres.js returns an array,
 * PGlite an object with `rows`.
 */
export async function queryRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
