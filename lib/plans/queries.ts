import { asc, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { plans } from "@/db/schema";

/** The plans a new payment may be for, cheapest first. */
export function listActivePlans(db: Queryable) {
  return db
    .select({
      code: plans.code,
      name: plans.name,
      priceMinor: plans.priceMinor,
      currency: plans.currency,
      periodDays: plans.periodDays,
      trialDays: plans.trialDays,
    })
    .from(plans)
    .where(eq(plans.active, true))
    .orderBy(asc(plans.priceMinor));
}
