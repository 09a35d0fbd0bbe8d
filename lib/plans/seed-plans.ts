import type { Db } from "@/db/client";
import { plans } from "@/db/schema";

export const STANDARD_PLANS = [
  { code: "basic", name: "Basic", priceMinor: 29_900n, currency: "RUB", periodDays: 30, trialDays: 7 },
  { code: "premium", name: "Premium", priceMinor: 59_900n, currency: "RUB", periodDays: 30, trialDays: 7 },
  { code: "family", name: "Family", priceMinor: 89_900n, currency: "RUB", periodDays: 30, trialDays: 7 },
] as const;

/** Plans exist in every database, demo or not; existing rows are left as they are. */
export async function ensurePlans(db: Db): Promise<number> {
  const inserted = await db
    .insert(plans)
    .values(STANDARD_PLANS.map((p) => ({ ...p })))
    .onConflictDoNothing({ target: plans.code })
    .returning({ id: plans.id });
  return inserted.length;
}
