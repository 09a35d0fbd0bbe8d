import type { PaymentMethod } from "@/db/schema/enums";
import type {
  DisputeTarget,
  PaymentTarget,
  ProviderPaymentStatus,
  ProviderState,
  RefundTarget,
} from "../target";
import { refundTargetStatus } from "../target-status";
import { fromStripeAmount } from "./amount";
import type { StripeDispute, StripePaymentIntent, StripeRefund } from "./event";

/**
 * Stripe's objects in Paydesk's terms (docs/providers.md has the table). Pure: the webhook
 * route, Sync and the reconciler all read Stripe through these.
 *
 * PaymentIntent → payment status:
 * - requires_payment_method (new, or an attempt failed: `last_payment_error` is shown),
 *   requires_confirmation, requires_action (3-D Secure) → pending: the customer may still pay;
 * - processing (a bank debit settling), requires_capture (authorised, waiting for capture)
 *   → processing;
 * - succeeded → succeeded, for `amount_received` (what was captured);
 * - canceled → canceled.
 */
const INTENT_STATUS: Record<string, ProviderPaymentStatus> = {
  requires_payment_method: "pending",
  requires_confirmation: "pending",
  requires_action: "pending",
  processing: "processing",
  requires_capture: "processing",
  succeeded: "succeeded",
  canceled: "canceled",
};

/** The status an intent event implies when its object carries none (old fixtures). */
const EVENT_STATUS: Record<string, string> = {
  "payment_intent.created": "requires_payment_method",
  "payment_intent.requires_action": "requires_action",
  "payment_intent.processing": "processing",
  "payment_intent.amount_capturable_updated": "requires_capture",
  "payment_intent.payment_failed": "requires_payment_method",
  "payment_intent.partially_funded": "requires_payment_method",
  "payment_intent.canceled": "canceled",
  "payment_intent.succeeded": "succeeded",
};

export type TargetResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function methodOf(types: string[] | undefined): PaymentMethod {
  return !types || types.length === 0 || types.includes("card") ? "card" : "other";
}

export function intentTarget(intent: StripePaymentIntent, eventType?: string): TargetResult<PaymentTarget> {
  const providerStatus = intent.status ?? (eventType ? EVENT_STATUS[eventType] : undefined);
  const status = providerStatus ? INTENT_STATUS[providerStatus] : undefined;
  if (!providerStatus || !status) {
    return {
      ok: false,
      reason: `PaymentIntent ${intent.id} has an unknown status "${providerStatus ?? ""}"`,
    };
  }
  const requested = fromStripeAmount(intent.amount, intent.currency);
  if (!requested.ok) return { ok: false, reason: `PaymentIntent ${intent.id}: ${requested.error}` };
  let capturedMinor: bigint | null = null;
  if (status === "succeeded") {
    // Old snapshots may lack amount_received; Stripe then captured the whole amount.
    const received = fromStripeAmount(intent.amount_received ?? intent.amount, intent.currency);
    if (!received.ok) return { ok: false, reason: `PaymentIntent ${intent.id}: ${received.error}` };
    capturedMinor = received.minor;
  }
  const lastError =
    status === "canceled"
      ? intent.cancellation_reason
        ? `Canceled: ${intent.cancellation_reason}`
        : null
      : status === "succeeded"
        ? null
        : (intent.last_payment_error?.message ?? intent.last_payment_error?.code ?? null);
  const customerRef = intent.metadata.paydesk_customer?.trim() || null;
  const planCode = intent.metadata.paydesk_plan?.trim() || null;
  return {
    ok: true,
    value: {
      status,
      providerStatus,
      requestedMinor: requested.minor,
      capturedMinor,
      currency: requested.currency,
      lastError: lastError ? lastError.slice(0, 500) : null,
      customerRef,
      planCode,
      method: methodOf(intent.payment_method_types),
      description: intent.description ? intent.description.slice(0, 500) : null,
      metadata: {
        stripe_payment_intent: intent.id,
        ...(customerRef ? { paydesk_customer: customerRef.slice(0, 254) } : {}),
        ...(planCode ? { paydesk_plan: planCode.slice(0, 50) } : {}),
      },
    },
  };
}

/** Metadata keys Paydesk puts on a refund it starts (read back from Stripe's refund objects). */
export const STRIPE_REFUND_METADATA = {
  refundId: "paydesk_refund",
  paymentId: "paydesk_payment",
  revokeAccess: "paydesk_revoke_access",
} as const;

export function refundTarget(refund: StripeRefund): TargetResult<RefundTarget> {
  const amount = fromStripeAmount(refund.amount, refund.currency);
  if (!amount.ok) return { ok: false, reason: `Refund ${refund.id}: ${amount.error}` };
  const providerStatus = refund.status ?? "pending";
  const paydeskRefundId = refund.metadata[STRIPE_REFUND_METADATA.refundId] ?? null;
  return {
    ok: true,
    value: {
      providerRefundId: refund.id,
      status: refundTargetStatus(providerStatus),
      providerStatus,
      amountMinor: amount.minor,
      currency: amount.currency,
      failureReason: refund.failure_reason ?? null,
      paydeskRefundId: paydeskRefundId && /^[0-9a-f-]{36}$/i.test(paydeskRefundId) ? paydeskRefundId : null,
      revokeAccess: refund.metadata[STRIPE_REFUND_METADATA.revokeAccess] === "true",
      description: refund.reason ? `Refunded in Stripe (${refund.reason})` : null,
    },
  };
}

/**
 * Dispute statuses: inquiries are `warning_*` (no money moves), chargebacks `needs_response`
 * and `under_review` until `won` or `lost`; `warning_closed` and `prevented` end one with
 * nothing lost. Funds leave the balance when a chargeback opens (`funds_withdrawn`, one
 * balance transaction) and come back when it is won (`funds_reinstated`, a second one).
 */
export function disputeTarget(dispute: StripeDispute, eventType?: string): TargetResult<DisputeTarget> {
  const amount = fromStripeAmount(dispute.amount, dispute.currency);
  if (!amount.ok) return { ok: false, reason: `Dispute ${dispute.id}: ${amount.error}` };
  const providerStatus = dispute.status ?? "needs_response";
  const status =
    providerStatus === "won"
      ? "won"
      : providerStatus === "lost"
        ? "lost"
        : providerStatus === "warning_closed" || providerStatus === "prevented"
          ? "closed"
          : "open";
  const movements = dispute.balance_transactions?.length ?? 0;
  return {
    ok: true,
    value: {
      providerDisputeId: dispute.id,
      kind: providerStatus.startsWith("warning_") ? "inquiry" : "chargeback",
      status,
      providerStatus,
      amountMinor: amount.minor,
      currency: amount.currency,
      reason: dispute.reason ?? null,
      fundsWithdrawn: eventType === "charge.dispute.funds_withdrawn" || movements >= 1,
      fundsReinstated: eventType === "charge.dispute.funds_reinstated" || movements >= 2,
    },
  };
}

/** Everything Stripe says about one PaymentIntent (a fetch: the intent, its refunds and disputes). */
export function stripeState(
  intent: StripePaymentIntent,
  refunds: StripeRefund[],
  disputes: StripeDispute[],
  observedAt: Date,
  source: string,
): TargetResult<ProviderState> {
  const payment = intentTarget(intent);
  if (!payment.ok) return payment;
  const refundTargets: RefundTarget[] = [];
  for (const r of refunds) {
    const t = refundTarget(r);
    if (!t.ok) return t;
    refundTargets.push(t.value);
  }
  const disputeTargets: DisputeTarget[] = [];
  for (const d of disputes) {
    const t = disputeTarget(d);
    if (!t.ok) return t;
    disputeTargets.push(t.value);
  }
  return {
    ok: true,
    value: {
      provider: "stripe",
      providerPaymentId: intent.id,
      observedAt,
      payment: payment.value,
      refunds: refundTargets,
      disputes: disputeTargets,
      source,
    },
  };
}
