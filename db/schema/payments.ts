import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { customers } from "./customers";
import {
  paymentKindEnum,
  paymentMethodEnum,
  paymentProviderEnum,
  paymentStatusEnum,
  refundStatusEnum,
} from "./enums";
import { plans } from "./plans";
import { staffUsers } from "./staff";

export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    planId: uuid("plan_id").references(() => plans.id),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    status: paymentStatusEnum("status").notNull(),
    kind: paymentKindEnum("kind").notNull(),
    provider: paymentProviderEnum("provider").notNull().default("manual"),
    providerPaymentId: text("provider_payment_id"),
    method: paymentMethodEnum("method"),
    description: text("description"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    grantDays: integer("grant_days"),
    refundedMinor: bigint("refunded_minor", { mode: "bigint" }).notNull().default(sql`0`),
    disputed: boolean("disputed").notNull().default(false),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    createdByStaffId: uuid("created_by_staff_id").references(() => staffUsers.id),
    createdBy: text("created_by").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    succeededAt: ts("succeeded_at"),
    version: integer("version").notNull().default(1),
  },
  (t) => [
    uniqueIndex("payments_idempotency_key").on(t.idempotencyKey),
    uniqueIndex("payments_provider_payment_key")
      .on(t.provider, t.providerPaymentId)
      .where(sql`${t.providerPaymentId} is not null`),
    // At most one trial per customer and plan, ever: voiding a trial does not earn another.
    uniqueIndex("payments_one_trial_per_plan").on(t.customerId, t.planId).where(sql`${t.kind} = 'trial'`),
    index("payments_customer_created_idx").on(t.customerId, t.createdAt.desc(), t.id.desc()),
    index("payments_created_idx").on(t.createdAt.desc(), t.id.desc()),
    index("payments_status_created_idx").on(t.status, t.createdAt.desc(), t.id.desc()),
    index("payments_amount_idx").on(t.amountMinor, t.id),
    // Sorting by amount within one currency (the list's common "RUB by amount" view).
    index("payments_currency_amount_idx").on(t.currency, t.amountMinor, t.id),
    // The overview's revenue (this month, the last 30 days) reads payments by when they succeeded.
    index("payments_succeeded_idx").on(t.succeededAt).where(sql`${t.succeededAt} is not null`),
    check("payments_amount_nonnegative", sql`${t.amountMinor} >= 0`),
    check("payments_refunded_range", sql`${t.refundedMinor} >= 0 and ${t.refundedMinor} <= ${t.amountMinor}`),
    check("payments_currency_iso", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check("payments_trial_is_free", sql`${t.kind} <> 'trial' or ${t.amountMinor} = 0`),
    check("payments_trial_has_plan", sql`${t.kind} <> 'trial' or ${t.planId} is not null`),
    check("payments_provider_kind", sql`(${t.kind} = 'provider') = (${t.provider} <> 'manual')`),
    check("payments_grant_days_positive", sql`${t.grantDays} is null or ${t.grantDays} > 0`),
    check(
      "payments_refund_status",
      sql`(${t.refundedMinor} = 0) = (${t.status} not in ('partially_refunded', 'refunded'))`,
    ),
  ],
);

export const refunds = pgTable(
  "refunds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    reason: text("reason").notNull(),
    provider: paymentProviderEnum("provider").notNull().default("manual"),
    providerRefundId: text("provider_refund_id"),
    status: refundStatusEnum("status").notNull(),
    revokedAccess: boolean("revoked_access").notNull().default(false),
    actor: text("actor").notNull(),
    createdByStaffId: uuid("created_by_staff_id").references(() => staffUsers.id),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    index("refunds_payment_idx").on(t.paymentId, t.createdAt),
    uniqueIndex("refunds_provider_refund_key")
      .on(t.provider, t.providerRefundId)
      .where(sql`${t.providerRefundId} is not null`),
    check("refunds_amount_positive", sql`${t.amountMinor} > 0`),
    check("refunds_currency_iso", sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
