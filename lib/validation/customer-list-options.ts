/**
 * The customers list's fixed choices, without zod: the browser's toolbar reads them, and must not
 * load the schema library (lib/validation/customer-list.ts) to do it.
 */

export const customerListSizes = [10, 25, 50, 100] as const;
export type CustomerListSize = (typeof customerListSizes)[number];

export const CUSTOMER_LIST_DEFAULT_SIZE: CustomerListSize = 25;

/** Shorter searches are not run: two characters are the least a trigram index can narrow. */
export const CUSTOMER_QUERY_MIN = 2;
export const CUSTOMER_QUERY_MAX = 100;
