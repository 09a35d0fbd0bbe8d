import type { DisputeKind, DisputeStatus, PaymentMethod } from "@/db/schema/enums";

/**
 * What a provider says a payment, its refunds and its disputes are, in Paydesk's terms. Each
 * adapter turns the provider's objects into this with pure functions (lib/providers/*\/target.ts);
 * `applyProviderState` moves Paydesk there, writing only the difference. Webhooks, Sync and
 * the reconciler all end in that one verb.
 */

/** The local status a provider payment can be in before refunds (refunds are their own rows). */
export type ProviderPaymentStatus = "pending" | "processing" | "succeeded" | "canceled";

export interface PaymentTarget {
  status: ProviderPaymentStatus;
  /** The provider's own word for it (`requires_payment_method`, `waiting_for_capture`, …). */
  providerStatus: string;
  /** What the customer was asked for, in ISO minor units. */
  requestedMinor: bigint;
  /** What was captured, once succeeded; null before. */
  capturedMinor: bigint | null;
  currency: string;
  /** The last failed attempt's message, while the payment is still open; null otherwise. */
  lastError: string | null;
  /** Needed only to record a payment Paydesk has not seen yet. */
  customerRef: string | null;
  planCode: string | null;
  method: PaymentMethod | null;
  description: string | null;
  metadata: Record<string, unknown>;
}

export type RefundTargetStatus = "pending" | "succeeded" | "failed";

export interface RefundTarget {
  providerRefundId: string;
  status: RefundTargetStatus;
  providerStatus: string;
  amountMinor: bigint;
  currency: string;
  failureReason: string | null;
  /** The Paydesk refund this is, when Paydesk started it (from the refund's metadata). */
  paydeskRefundId: string | null;
  /** For a refund Paydesk started whose row is unknown here: the admin's access choice. */
  revokeAccess: boolean;
  description: string | null;
}

export interface DisputeTarget {
  providerDisputeId: string;
  kind: DisputeKind;
  status: DisputeStatus;
  providerStatus: string;
  amountMinor: bigint;
  currency: string;
  reason: string | null;
  fundsWithdrawn: boolean;
  fundsReinstated: boolean;
}

export interface ProviderState {
  provider: "stripe" | "yookassa";
  providerPaymentId: string;
  /**
   * When the provider's objects were observed: the event's creation time, or now for an API
   * fetch. A payment snapshot older than the one already applied changes nothing.
   */
  observedAt: Date;
  /** Absent when the source says nothing about the payment itself (a refund's event). */
  payment?: PaymentTarget;
  refunds: RefundTarget[];
  disputes: DisputeTarget[];
  /** Where this came from, for reasons and the timeline ("Stripe payment_intent.succeeded (evt_…)"). */
  source: string;
}

/**
 * How far along a payment's lifecycle a provider status is. Among snapshots observed at the
 * same moment the further one wins; succeeded and canceled are final and are never left.
 */
export const PAYMENT_STATUS_RANK: Record<ProviderPaymentStatus, number> = {
  pending: 0,
  processing: 1,
  succeeded: 3,
  canceled: 3,
};

/** Refunds only move forward: pending → succeeded → failed (a counted refund can still fail). */
export const REFUND_STATUS_RANK: Record<RefundTargetStatus, number> = { pending: 0, succeeded: 1, failed: 2 };

/** Disputes only move forward: open → won | lost | closed. */
export const DISPUTE_STATUS_RANK: Record<DisputeStatus, number> = { open: 0, won: 1, lost: 1, closed: 1 };
