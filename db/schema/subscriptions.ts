import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { customers } from "./customers";
import { subscriptionStatusEnum } from "./enums";
import { payments } from "./payments";
import { plans } from "./plans";

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    planId: uuid("plan_id")
      .notNull()
      .references(() => plans.id),
    status: subscriptionStatusEnum("status").notNull(),
    currentPeriodEnd: ts("current_period_end").notNull(),
    startedAt: ts("started_at").notNull(),
    canceledAt: ts("canceled_at"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    version: integer("version").notNull().default(1),
  },
  (t) => [
    unique("subscriptions_customer_plan_key").on(t.customerId, t.planId),
    index("subscriptions_status_end_idx").on(t.status, t.currentPeriodEnd),
  ],
);

/** The entitlement ledger: one row per payment that extended a subscription. */
export const subscriptionGrants = pgTable(
  "subscription_grants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    subscriptionId: uuid("subscription_id")
      .notNull()
      .references(() => subscriptions.id),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    /**
     * Order in which grants were applied. Assigned at insert, which happens under the
     * subscription's row lock, so it is the true application order whatever the clocks say.
     */
    appliedSeq: bigint("applied_seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    days: integer("days").notNull(),
    isTrial: boolean("is_trial").notNull(),
    grantedAt: ts("granted_at").notNull(),
    periodStart: ts("period_start").notNull(),
    periodEnd: ts("period_end").notNull(),
    revokedAt: ts("revoked_at"),
    revokeReason: text("revoke_reason"),
  },
  (t) => [
    // Exactly-once extension: a second grant for one payment cannot exist.
    unique("subscription_grants_payment_key").on(t.paymentId),
    index("subscription_grants_subscription_idx").on(t.subscriptionId, t.appliedSeq),
    check("subscription_grants_days_positive", sql`${t.days} > 0`),
    check("subscription_grants_period_order", sql`${t.periodEnd} > ${t.periodStart}`),
  ],
);

export type Subscription = typeof subscriptions.$inferSelect;
export type SubscriptionGrant = typeof subscriptionGrants.$inferSelect;
