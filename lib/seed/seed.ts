import { sql } from "drizzle-orm";
import type { DatabaseHandle, Db } from "@/db/client";
import { SEED_LOCK_KEY, withStartupLock } from "@/db/migrate";
import { queryRows } from "@/db/rows";
import { ensurePlans } from "../plans/seed-plans";
import { type DemoSeedResult, seedDemo } from "./demo";

export const DEFAULT_DEMO_PASSWORD = "paydesk-demo";

/**
 * Demo data (with its published password) goes into the embedded database of `npm run dev`,
 * or anywhere when SEED_DEMO=1. A production start never gets it on its own: it offers the
 * first-run page (/setup) or `staff create` instead.
 */
export function wantsDemoData(handle: DatabaseHandle, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.SEED_DEMO === "1") return true;
  return handle.kind === "pglite" && env.NODE_ENV === "development";
}

/** Demo data only ever goes into a database nobody has used yet: no staff, customers or payments. */
export async function isUnused(db: Db): Promise<boolean> {
  const rows = await queryRows<{ unused: boolean }>(
    db,
    sql`select not exists (select 1 from staff_users)
              and not exists (select 1 from customers)
              and not exists (select 1 from payments) as unused`,
  );
  return rows[0]?.unused === true;
}

export async function seedDatabase(
  handle: DatabaseHandle,
): Promise<{ plans: number; demo: DemoSeedResult | null }> {
  // Several instances may start at once: one seeds, the others then find it done.
  return withStartupLock(handle, SEED_LOCK_KEY, async () => {
    const plans = await ensurePlans(handle.db);
    if (!wantsDemoData(handle)) return { plans, demo: null };
    if (!(await isUnused(handle.db))) return { plans, demo: { seeded: false, customers: 0, payments: 0 } };
    const demo = await seedDemo(handle.db, process.env.DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD);
    return { plans, demo };
  });
}
