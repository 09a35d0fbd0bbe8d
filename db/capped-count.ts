import { and, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Queryable } from "./client";

/** A count that stops early: a list screen only needs "more than 10,000", never the exact million. */
export interface CappedCount {
  count: number;
  /** More rows match than `count` says. */
  capped: boolean;
}

/**
 * How many rows of `table` match `where`, reading at most `cap` + 1 of them, so a broad filter
 * over millions of rows stays cheap.
 */
export async function countCapped(
  db: Queryable,
  table: PgTable,
  where: readonly SQL[],
  cap: number,
): Promise<CappedCount> {
  const limit = Math.max(0, Math.floor(cap));
  const matching = db
    .select({ one: sql`1`.as("one") })
    .from(table)
    .where(where.length > 0 ? and(...where) : undefined)
    .limit(limit + 1)
    .as("matching");
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(matching);
  const n = Number(row?.n ?? 0);
  return { count: Math.min(n, limit), capped: n > limit };
}
