import type {
  DisputeKind,
  DisputeStatus,
  PaymentKind,
  PaymentMethod,
  PaymentProvider,
  RefundStatus,
} from "@/db/schema/enums";

export const KIND_LABEL: Record<PaymentKind, string> = {
  manual: "Manual",
  trial: "Trial",
  provider: "Provider",
};
export const PROVIDER_LABEL: Record<PaymentProvider, string> = {
  manual: "Manual",
  stripe: "Stripe",
  yookassa: "YooKassa",
};
export const METHOD_LABEL: Record<PaymentMethod, string> = {
  bank_transfer: "Bank transfer",
  cash: "Cash",
  card: "Card",
  other: "Other",
};

export const REFUND_STATUS_LABEL: Record<RefundStatus, string> = {
  pending: "Pending",
  succeeded: "Succeeded",
  failed: "Failed",
};
export const REFUND_STATUS_VARIANT: Record<RefundStatus, "warning" | "success" | "danger"> = {
  pending: "warning",
  succeeded: "success",
  failed: "danger",
};

export const DISPUTE_KIND_LABEL: Record<DisputeKind, string> = {
  inquiry: "Inquiry",
  chargeback: "Chargeback",
};
export const DISPUTE_STATUS_LABEL: Record<DisputeStatus, string> = {
  open: "Open",
  won: "Won",
  lost: "Lost",
  closed: "Closed",
};
export const DISPUTE_STATUS_VARIANT: Record<DisputeStatus, "warning" | "success" | "danger" | "neutral"> = {
  open: "warning",
  won: "success",
  lost: "danger",
  closed: "neutral",
};

/** Each provider status word as a sentence (docs/providers.md, "Statuses"). */
const PROVIDER_STATUS_SENTENCE: Record<"stripe" | "yookassa", Record<string, string>> = {
  stripe: {
    requires_payment_method: "Waiting for payment",
    requires_confirmation: "Waiting for confirmation",
    requires_action: "Customer must authenticate (3-D Secure)",
    processing: "Processing at Stripe",
    requires_capture: "Authorised: capture or cancel",
    succeeded: "Paid",
    canceled: "Canceled",
  },
  yookassa: {
    pending: "Waiting for payment",
    waiting_for_capture: "Authorised: capture or cancel",
    succeeded: "Paid",
    canceled: "Canceled",
  },
};

/** "Customer must authenticate (3-D Secure)" for Stripe's `requires_action`; the word itself when unknown. */
export function providerStatusSentence(provider: PaymentProvider, providerStatus: string | null): string {
  const name = PROVIDER_LABEL[provider];
  if (!providerStatus) return `Not reported by ${name} yet`;
  if (provider === "manual") return providerStatus;
  return PROVIDER_STATUS_SENTENCE[provider][providerStatus] ?? `${name} says “${providerStatus}”`;
}

/** The page's one sentence for a refund waiting on its provider (also why Refund is disabled). */
export function pendingRefundWarning(provider: PaymentProvider): string {
  return `Waiting for ${PROVIDER_LABEL[provider]} to confirm this refund; do not refund again`;
}
