import { sql } from "drizzle-orm";
import { bigint, boolean, check, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";

export const plans = pgTable(
  "plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    code: text("code").notNull().unique(),
    name: text("name").notNull(),
    priceMinor: bigint("price_minor", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    periodDays: integer("period_days").notNull(),
    trialDays: integer("trial_days").notNull().default(0),
    active: boolean("active").notNull().default(true),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("plans_price_nonnegative", sql`${t.priceMinor} >= 0`),
    check("plans_currency_iso", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check("plans_period_positive", sql`${t.periodDays} > 0`),
    check("plans_trial_nonnegative", sql`${t.trialDays} >= 0`),
  ],
);

export type Plan = typeof plans.$inferSelect;
