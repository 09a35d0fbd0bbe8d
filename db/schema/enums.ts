import { pgEnum } from "drizzle-orm/pg-core";

export const staffRoles = ["admin", "support", "auditor"] as const;
export const subscriptionStatuses = ["trialing", "active", "past_due", "canceled", "expired"] as const;
export const paymentStatuses = [
  "pending",
  "processing",
  "succeeded",
  "failed",
  "canceled",
  "partially_refunded",
  "refunded",
] as const;
export const paymentKinds = ["manual", "trial", "provider"] as const;
export const paymentProviders = ["manual", "stripe", "yookassa"] as const;
export const paymentMethods = ["bank_transfer", "cash", "card", "other"] as const;
export const refundStatuses = ["pending", "succeeded", "failed"] as const;
export const disputeKinds = ["inquiry", "chargeback"] as const;
/** open → won | lost | closed (an inquiry closed, or a dispute prevented, with no money moved). */
export const disputeStatuses = ["open", "won", "lost", "closed"] as const;
export const webhookOutcomes = ["processed", "ignored", "failed"] as const;

export type StaffRole = (typeof staffRoles)[number];
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];
export type PaymentStatus = (typeof paymentStatuses)[number];
export type PaymentKind = (typeof paymentKinds)[number];
export type PaymentProvider = (typeof paymentProviders)[number];
export type PaymentMethod = (typeof paymentMethods)[number];
export type RefundStatus = (typeof refundStatuses)[number];
export type DisputeKind = (typeof disputeKinds)[number];
export type DisputeStatus = (typeof disputeStatuses)[number];
export type WebhookOutcome = (typeof webhookOutcomes)[number];

export const staffRoleEnum = pgEnum("staff_role", staffRoles);
export const subscriptionStatusEnum = pgEnum("subscription_status", subscriptionStatuses);
export const paymentStatusEnum = pgEnum("payment_status", paymentStatuses);
export const paymentKindEnum = pgEnum("payment_kind", paymentKinds);
export const paymentProviderEnum = pgEnum("payment_provider", paymentProviders);
export const paymentMethodEnum = pgEnum("payment_method", paymentMethods);
export const refundStatusEnum = pgEnum("refund_status", refundStatuses);
export const webhookOutcomeEnum = pgEnum("webhook_outcome", webhookOutcomes);
export const disputeKindEnum = pgEnum("dispute_kind", disputeKinds);
export const disputeStatusEnum = pgEnum("dispute_status", disputeStatuses);
