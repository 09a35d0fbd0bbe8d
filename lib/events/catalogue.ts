/**
 * Every domain event type Paydesk emits and the version of its `data` (docs/events.md documents
 * each with an example). Outbound endpoints subscribe to these names.
 */
export const EVENT_CATALOGUE = {
  "payment.created": 1,
  "payment.processing": 1,
  "payment.completed": 1,
  "payment.failed": 1,
  "payment.canceled": 1,
  "payment.refunded": 1,
  "payment.refund_failed": 1,
  "payment.attempt_failed": 1,
  "payment.dispute_opened": 1,
  "payment.dispute_updated": 1,
  "payment.dispute_closed": 1,
  "payment.review_required": 1,
  "payment.updated": 1,
  "subscription.created": 1,
  "subscription.updated": 1,
  "subscription.expired": 1,
  "subscription.canceled": 1,
  "customer.created": 1,
  "customer.erased": 1,
  "approval.requested": 1,
  "approval.approved": 1,
  "approval.rejected": 1,
  "approval.expired": 1,
  "approval.failed": 1,
} as const;

export type DomainEventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as DomainEventType[];

export function isEventType(value: string): value is DomainEventType {
  return Object.hasOwn(EVENT_CATALOGUE, value);
}

/** The version of a type's `data`; 1 for a type this build does not know (older rows). */
export function eventVersion(type: DomainEventType): number {
  return EVENT_CATALOGUE[type] ?? 1;
}
