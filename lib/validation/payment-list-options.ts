/**
 * The payments list's fixed choices, without zod: the browser's toolbar reads them, and must not
 * load the schema library (lib/validation/payment-list.ts) to do it.
 */

export const paymentListSorts = ["created", "amount"] as const;
export const paymentListDirs = ["asc", "desc"] as const;
export const paymentListSizes = [10, 25, 50, 100] as const;

export type PaymentListSort = (typeof paymentListSorts)[number];
export type PaymentListDir = (typeof paymentListDirs)[number];
export type PaymentListSize = (typeof paymentListSizes)[number];

/**
 * Flags a payment can carry besides its status: a dispute open or lost (`disputed`), a refund
 * the provider has not confirmed yet (`refund_pending`), held for a person to decide (`held`).
 * Several flags match a payment that has any of them, like the other facets.
 */
export const paymentListFlags = ["disputed", "refund_pending", "held"] as const;
export type PaymentListFlag = (typeof paymentListFlags)[number];

/** Columns hidden unless the URL says otherwise (`hide=` lists what is hidden). */
export const PAYMENT_LIST_DEFAULT_HIDDEN = ["refunded", "method", "description"] as const;

export const PAYMENT_LIST_DEFAULTS = { sort: "created", dir: "desc", size: 25 } as const;
