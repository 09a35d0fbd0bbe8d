import type { PaymentMethod } from "@/db/schema/enums";
import type { PaymentTarget, ProviderPaymentStatus, ProviderState, RefundTarget } from "../target";
import { refundTargetStatus } from "../target-status";
import type { YooKassaPayment, YooKassaPaymentStatus, YooKassaRefund } from "./api";

/**
 * YooKassa's objects in Paydesk's terms. Pure; the webhook route, Sync and the reconciler
 * read YooKassa through these.
 * - pending → pending; waiting_for_capture (money on hold, to capture or cancel) → processing;
 *   succeeded → succeeded; canceled → canceled (`cancellation_details` shown as the reason).
 */
const STATUS: Record<YooKassaPaymentStatus, ProviderPaymentStatus> = {
  pending: "pending",
  waiting_for_capture: "processing",
  succeeded: "succeeded",
  canceled: "canceled",
};

function methodOf(type: string | null): PaymentMethod | null {
  if (!type) return null;
  return type === "bank_card" ? "card" : "other";
}

/** The payment's own metadata, plus where it came from; bounded like every payment's metadata. */
function metadataOf(api: YooKassaPayment): Record<string, unknown> {
  const own = Object.fromEntries(
    Object.entries(api.metadata).filter(([k, v]) => k.length > 0 && k.length <= 100 && v.length <= 512),
  );
  const source = { yookassa: { methodType: api.methodType, test: api.test } };
  const all = { ...own, ...source };
  return JSON.stringify(all).length <= 4000 ? all : source;
}

export function yookassaPaymentTarget(api: YooKassaPayment): PaymentTarget {
  const status = STATUS[api.status];
  return {
    status,
    providerStatus: api.status,
    requestedMinor: api.amount.minor,
    capturedMinor: status === "succeeded" ? api.amount.minor : null,
    currency: api.amount.currency,
    lastError:
      status === "canceled" && api.cancellation
        ? `Canceled by ${api.cancellation.party}: ${api.cancellation.reason}`
        : null,
    customerRef: api.metadata.paydesk_customer?.trim() || null,
    planCode: api.metadata.paydesk_plan?.trim() || null,
    method: methodOf(api.methodType),
    description: api.description?.slice(0, 500) || null,
    metadata: metadataOf(api),
  };
}

export function yookassaRefundTarget(refund: YooKassaRefund): RefundTarget {
  return {
    providerRefundId: refund.id,
    status: refundTargetStatus(refund.status),
    providerStatus: refund.status,
    amountMinor: refund.amount.minor,
    currency: refund.amount.currency,
    failureReason: null,
    paydeskRefundId: null,
    revokeAccess: false,
    description: refund.description ? `Refunded in YooKassa: ${refund.description}`.slice(0, 500) : null,
  };
}

export function yookassaState(
  api: YooKassaPayment,
  refunds: YooKassaRefund[],
  observedAt: Date,
  source: string,
): ProviderState {
  return {
    provider: "yookassa",
    providerPaymentId: api.id,
    observedAt,
    payment: yookassaPaymentTarget(api),
    refunds: refunds.map(yookassaRefundTarget),
    disputes: [],
    source,
  };
}
