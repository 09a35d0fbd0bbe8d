import { pgEnum } from "drizzle-orm/pg-core";

import {
  disputeKinds,
  disputeStatuses,
  paymentKinds,
  paymentMethods,
  paymentProviders,
  paymentStatuses,
  refundStatuses,
  staffRoles,
  subscriptionStatuses,
  webhookOutcomes,
} from "./enum-values";

export * from "./enum-values";

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
