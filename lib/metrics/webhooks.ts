import type { PaymentProvider } from "@/db/schema/enums";
import { processMetrics } from "./registry";

/**
 * How a delivery ended, as its answer says: the stored event's outcome for a 200
 * (`processed`, `ignored`, `failed`), `duplicate` when it was already settled, `rejected` for a
 * refused or malformed delivery (4xx), `unconfirmed` (YooKassa's 409: the API does not agree
 * yet), `unavailable` (503: the database or provider API is down) and `error` (an exception).
 * A fixed set, so the label cannot grow with what senders send.
 */
export type DeliveryOutcome =
  | "processed"
  | "ignored"
  | "failed"
  | "duplicate"
  | "rejected"
  | "unconfirmed"
  | "unavailable"
  | "error";

export function observeWebhookDelivery(
  provider: Exclude<PaymentProvider, "manual">,
  outcome: DeliveryOutcome,
  seconds: number,
): void {
  processMetrics().webhookSeconds.observe({ provider, outcome }, seconds);
}
