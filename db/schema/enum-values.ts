/**
 * The domain's closed sets of values, with no imports: the browser's filters and forms read them
 * too, and must not load the ORM to do it. db/schema/enums.ts makes the Postgres enums of them.
 */
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
