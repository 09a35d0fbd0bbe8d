import { sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import {
  auditLog,
  customers,
  domainEvents,
  payments,
  refunds,
  staffUsers,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";

/** The tables a mutation can write to, by their SQL names. */
export const WRITABLE_TABLES = {
  payments,
  refunds,
  customers,
  staff_users: staffUsers,
  subscriptions,
  subscription_grants: subscriptionGrants,
  audit_log: auditLog,
  domain_events: domainEvents,
} satisfies Record<string, PgTable>;

export type TableName = keyof typeof WRITABLE_TABLES;
export type RowCounts = Record<TableName, number>;

export async function rowCounts(db: Db): Promise<RowCounts> {
  const out = {} as RowCounts;
  for (const [name, table] of Object.entries(WRITABLE_TABLES) as [TableName, PgTable][]) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
    out[name] = Number(row?.n ?? 0);
  }
  return out;
}

const json = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

/**
 * Every row of every writable table, as sorted JSON lines: equal snapshots mean nothing
 * was inserted, updated or deleted in between.
 */
export async function snapshot(db: Db): Promise<Record<TableName, string[]>> {
  const out = {} as Record<TableName, string[]>;
  for (const [name, table] of Object.entries(WRITABLE_TABLES) as [TableName, PgTable][]) {
    const rows = (await db.select().from(table)) as unknown[];
    out[name] = rows.map(json).sort();
  }
  return out;
}
