import type { DatabaseHandle } from "@/db/client";
import { ensurePlans } from "../plans/seed-plans";
import { type DemoSeedResult, seedDemo } from "./demo";

export const DEFAULT_DEMO_PASSWORD = "paydesk-demo";

/** Demo data goes only into the embedded database, or anywhere when SEED_DEMO=1. */
export function wantsDemoData(handle: DatabaseHandle): boolean {
  return handle.kind === "pglite" || process.env.SEED_DEMO === "1";
}

export async function seedDatabase(handle: DatabaseHandle): Promise<{ plans: number; demo: DemoSeedResult | null }> {
  const plans = await ensurePlans(handle.db);
  const demo = wantsDemoData(handle)
    ? await seedDemo(handle.db, process.env.DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD)
    : null;
  return { plans, demo };
}
