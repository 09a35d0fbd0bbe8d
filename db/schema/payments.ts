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
  disputeKindEnum,
  disputeStatusEnum,
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
    /** True while a dispute of this payment is open or was lost (see `disputes`). */
    disputed: boolean("disputed").notNull().default(false),
    /** What the customer was asked for (a provider's `amount`); `amount_minor` is what was captured. */
    requestedMinor: bigint("requested_minor", { mode: "bigint" }),
    /** The provider's own status word (`requires_payment_method`, `waiting_for_capture`, …). */
    providerStatus: text("provider_status"),
    /** The provider's last payment error (a declined attempt); cleared when it moves on. */
    providerError: text("provider_error"),
    /**
     * When the provider state last applied was observed (the event's creation time, or the
     * moment of a fetch): an older snapshot delivered late never overwrites a newer one.
     */
    providerStateAt: ts("provider_state_at"),
    /** Last time Paydesk asked the provider for this payment (sync, reconciliation). */
    providerSyncedAt: ts("provider_synced_at"),
    /**
     * Why this payment needs a person before it grants anything (a currency or amount that
     * does not match its plan); cleared when an admin decides.
     */
    reviewReason: text("review_reason"),
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
    // The review list and the reconciler: open provider payments, and payments held for review.
    index("payments_provider_open_idx")
      .on(t.updatedAt)
      .where(sql`${t.provider} <> 'manual' and ${t.status} in ('pending', 'processing')`),
    index("payments_review_idx").on(t.updatedAt).where(sql`${t.reviewReason} is not null`),
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
    /** Whether this refund takes back the payment's grant once it succeeds (the admin's choice). */
    revokedAccess: boolean("revoked_access").notNull().default(false),
    /** A full refund that leaves the customer's access as it is (compensation cases). */
    keepAccess: boolean("keep_access").notNull().default(false),
    /**
     * Sent to the provider with the request; stable for the life of the refund, so a retry after
     * a lost answer can never refund twice.
     */
    idempotencyKey: text("idempotency_key"),
    /** The provider's own status word (`pending`, `requires_action`, …). */
    providerStatus: text("provider_status"),
    failureReason: text("failure_reason"),
    /** The bank's reference of a manual refund's transfer. */
    bankReference: text("bank_reference"),
    updatedAt: ts("updated_at"),
    settledAt: ts("settled_at"),
    actor: text("actor").notNull(),
    createdByStaffId: uuid("created_by_staff_id").references(() => staffUsers.id),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    index("refunds_payment_idx").on(t.paymentId, t.createdAt),
    uniqueIndex("refunds_idempotency_key").on(t.idempotencyKey),
    index("refunds_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending'`),
    uniqueIndex("refunds_provider_refund_key")
      .on(t.provider, t.providerRefundId)
      .where(sql`${t.providerRefundId} is not null`),
    check("refunds_amount_positive", sql`${t.amountMinor} > 0`),
    check("refunds_currency_iso", sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

/** A provider's dispute (chargeback or inquiry) of a payment, following the provider's lifecycle. */
export const disputes = pgTable(
  "disputes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    provider: paymentProviderEnum("provider").notNull(),
    providerDisputeId: text("provider_dispute_id").notNull(),
    kind: disputeKindEnum("kind").notNull(),
    status: disputeStatusEnum("status").notNull(),
    /** The provider's own status word (`needs_response`, `warning_closed`, …). */
    providerStatus: text("provider_status").notNull(),
    reason: text("reason"),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    fundsWithdrawn: boolean("funds_withdrawn").notNull().default(false),
    fundsReinstated: boolean("funds_reinstated").notNull().default(false),
    openedAt: ts("opened_at").notNull(),
    closedAt: ts("closed_at"),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("disputes_provider_dispute_key").on(t.provider, t.providerDisputeId),
    index("disputes_payment_idx").on(t.paymentId),
    index("disputes_open_idx").on(t.openedAt).where(sql`${t.status} = 'open'`),
    check("disputes_amount_nonnegative", sql`${t.amountMinor} >= 0`),
    check("disputes_currency_iso", sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

export type Payment = typeof payments.$inferSelect;
export type Dispute = typeof disputes.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
