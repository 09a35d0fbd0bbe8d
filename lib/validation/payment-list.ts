import { z } from "zod";
import {
  type PaymentKind,
  type PaymentProvider,
  type PaymentStatus,
  paymentKinds,
  paymentProviders,
  paymentStatuses,
} from "@/db/schema/enums";
import { isKnownCurrency } from "../money/currency";
import { MAX_AMOUNT_MINOR } from "../money/money";
import { isStorableText, isUuid } from "./common";
import {
  PAYMENT_LIST_DEFAULTS,
  type PaymentListDir,
  type PaymentListFlag,
  type PaymentListSize,
  type PaymentListSort,
  paymentListDirs,
  paymentListFlags,
  paymentListSizes,
  paymentListSorts,
} from "./payment-list-options";
import {
  backFlag,
  cursorParam,
  enumList,
  firstValue,
  isoDay,
  listValues,
  oneOf,
  type SearchParamsRecord,
} from "./url-state";

export * from "./payment-list-options";

// Re-exported: callers imported these from here before they moved to ./url-state.
export { isIsoDay, searchParamsRecord } from "./url-state";

/**
 * The payments list's state as it lives in the URL (`/payments?status=pending,succeeded&…`).
 *
 * Parsing never fails: a shared link with one bad parameter must still render, so every
 * invalid value is dropped (or replaced by its default) instead of becoming an error.
 */

/** Longest amount bound and fragment the URL may carry. */
const MAX_DECIMAL_LENGTH = 40;
export const FRAGMENT_MIN = 2;
export const FRAGMENT_MAX = 100;

const currencyList = z.unknown().transform((raw): string[] => {
  const codes = new Set(listValues(raw).map((v) => v.toUpperCase()));
  return [...codes].filter((c) => isKnownCurrency(c)).sort();
});

const DECIMAL_SHAPE = /^\d+(?:\.\d+)?$/;

/**
 * A non-negative decimal in major units ("100", "99.5"). Which minor units it means depends
 * on each payment's currency, so it stays a string here; lib/payments/list.ts converts it per
 * currency exponent, exactly. Its whole part must fit the largest amount the app accepts.
 */
export function isAmountBound(s: string): boolean {
  if (s.length > MAX_DECIMAL_LENGTH || !DECIMAL_SHAPE.test(s)) return false;
  const whole = s.split(".")[0] ?? "0";
  return BigInt(whole) <= MAX_AMOUNT_MINOR;
}

const amountBound = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && isAmountBound(v) ? v : null;
});

const fragment = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  if (!v || v.length < FRAGMENT_MIN || v.length > FRAGMENT_MAX || !isStorableText(v)) return null;
  return v;
});

const customerId = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && isUuid(v) ? v.toLowerCase() : null;
});

export const paymentListQuery = z
  .object({
    // `.default(…)` covers an absent (or undefined) parameter; the transforms cover junk.
    status: enumList<PaymentStatus>(paymentStatuses).default(() => []),
    kind: enumList<PaymentKind>(paymentKinds).default(() => []),
    provider: enumList<PaymentProvider>(paymentProviders).default(() => []),
    currency: currencyList.default(() => []),
    flag: enumList<PaymentListFlag>(paymentListFlags).default(() => []),
    from: isoDay.default(null),
    to: isoDay.default(null),
    min: amountBound.default(null),
    max: amountBound.default(null),
    q: fragment.default(null),
    customer: customerId.default(null),
    sort: oneOf<PaymentListSort>(paymentListSorts, PAYMENT_LIST_DEFAULTS.sort).default(
      PAYMENT_LIST_DEFAULTS.sort,
    ),
    dir: oneOf<PaymentListDir>(paymentListDirs, PAYMENT_LIST_DEFAULTS.dir).default(PAYMENT_LIST_DEFAULTS.dir),
    size: oneOf<PaymentListSize>(paymentListSizes, PAYMENT_LIST_DEFAULTS.size).default(
      PAYMENT_LIST_DEFAULTS.size,
    ),
    cursor: cursorParam.default(null),
    back: backFlag.default(false),
  })
  // Paging backwards means "the rows before this cursor": without a cursor it is the first page.
  .transform((q) => ({ ...q, back: q.back && q.cursor !== null }))
  // Anything that is not a plain record (a URLSearchParams, null, …) parses as the defaults.
  .catch(() => defaultQuery());

export type PaymentListQuery = z.output<typeof paymentListQuery>;
export type PaymentListSearchParams = SearchParamsRecord;

function defaultQuery(): PaymentListQuery {
  return {
    status: [],
    kind: [],
    provider: [],
    currency: [],
    flag: [],
    from: null,
    to: null,
    min: null,
    max: null,
    q: null,
    customer: null,
    sort: PAYMENT_LIST_DEFAULTS.sort,
    dir: PAYMENT_LIST_DEFAULTS.dir,
    size: PAYMENT_LIST_DEFAULTS.size,
    cursor: null,
    back: false,
  };
}

/** Parses Next.js `searchParams` (or any record of strings) into the list query; never throws. */
export function parsePaymentListQuery(searchParams: PaymentListSearchParams | undefined): PaymentListQuery {
  return paymentListQuery.parse(searchParams ?? {});
}

/**
 * The URL form of a query: only values that differ from the defaults, in a fixed order, so
 * that `paymentListQuery.parse(toSearchParams(q))` gives `q` back.
 */
export function toSearchParams(query: Partial<PaymentListQuery>): URLSearchParams {
  const out = new URLSearchParams();
  const list = (key: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) out.set(key, values.join(","));
  };
  const single = (key: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") out.set(key, value);
  };
  list("status", query.status);
  list("kind", query.kind);
  list("provider", query.provider);
  list("currency", query.currency);
  list("flag", query.flag);
  single("from", query.from);
  single("to", query.to);
  single("min", query.min);
  single("max", query.max);
  single("q", query.q);
  single("customer", query.customer);
  if (query.sort && query.sort !== PAYMENT_LIST_DEFAULTS.sort) out.set("sort", query.sort);
  if (query.dir && query.dir !== PAYMENT_LIST_DEFAULTS.dir) out.set("dir", query.dir);
  if (query.size && query.size !== PAYMENT_LIST_DEFAULTS.size) out.set("size", String(query.size));
  single("cursor", query.cursor);
  if (query.back && query.cursor) out.set("back", "1");
  return out;
}
