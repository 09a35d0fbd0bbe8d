/**
 * The webhook events list's fixed choices, without zod: the browser's toolbar reads them, and must not
 * load the schema library (lib/validation/webhook-list.ts) to do it.
 */

export const webhookListProviders = ["stripe", "yookassa"] as const;
export const webhookListOutcomes = ["processed", "ignored", "failed", "pending"] as const;
export const webhookListSizes = [10, 25, 50, 100] as const;

export type WebhookListProvider = (typeof webhookListProviders)[number];
export type WebhookListOutcome = (typeof webhookListOutcomes)[number];
export type WebhookListSize = (typeof webhookListSizes)[number];

/** Columns hidden unless the URL says otherwise (`hide=` lists what is hidden). */
export const WEBHOOK_LIST_DEFAULT_HIDDEN = ["eventId"] as const;

export const WEBHOOK_LIST_DEFAULTS = { size: 25 } as const;

/**
 * The types each provider sends that Paydesk acts on, for the toolbar's type facet (the
 * filter itself accepts any type name). Others are stored and marked ignored.
 */
export const KNOWN_WEBHOOK_TYPES: Record<WebhookListProvider, readonly string[]> = {
  stripe: [
    "payment_intent.processing",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "charge.dispute.created",
  ],
  yookassa: ["payment.waiting_for_capture", "payment.succeeded", "payment.canceled", "refund.succeeded"],
};
