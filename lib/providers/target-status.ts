import type { RefundTargetStatus } from "./target";

/**
 * A provider refund status word as Paydesk counts it. Stripe: pending, requires_action,
 * succeeded, failed, canceled; YooKassa: pending, succeeded, canceled.
 */
export function refundTargetStatus(providerStatus: string): RefundTargetStatus {
  if (providerStatus === "succeeded") return "succeeded";
  if (providerStatus === "failed" || providerStatus === "canceled") return "failed";
  return "pending";
}
