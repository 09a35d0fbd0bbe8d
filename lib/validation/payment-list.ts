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

/**
 * The payments list's state as it lives in the URL (`/payments?status=pending,succeeded&…`).
 *
 * Parsing never fails: a shared link with one bad parameter must still render, so every
 * invalid value is dropped (or replaced by its default) instead of becoming an error.
 */

export const paymentListSorts = ["created", "amount"] as const;
export const paymentListDirs = ["asc", "desc"] as const;
export const paymentListSizes = [10, 25, 50, 100] as const;

export type PaymentListSort = (typeof paymentListSorts)[number];
export type PaymentListDir = (typeof paymentListDirs)[number];
export type PaymentListSize = (typeof paymentListSizes)[number];

export const PAYMENT_LIST_DEFAULTS = { sort: "created", dir: "desc", size: 25 } as const;

/** Longest amount bound, fragment and cursor the URL may carry. */
const MAX_DECIMAL_LENGTH = 40;
const MAX_CURSOR_LENGTH = 512;
export const FRAGMENT_MIN = 2;
export const FRAGMENT_MAX = 100;

type SearchParamValue = string | string[] | undefined;

/** The first value of a parameter (`?a=1&a=2` → "1"), or undefined. */
function firstValue(raw: unknown): string | undefined {
  if (typeof raw === "string") return raw;
  if (Array.isArray(raw)) return raw.find((v): v is string => typeof v === "string");
  return undefined;
}

/** Every comma-separated value of a parameter, repeated or not (`?s=a,b&s=c` → a, b, c). */
function listValues(raw: unknown): string[] {
  const values = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  return values
    .filter((v): v is string => typeof v === "string")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** Known values of an enum, de-duplicated, in the enum's own order (so URLs are canonical). */
const enumList = <T extends string>(values: readonly T[]) =>
  z.unknown().transform((raw): T[] => {
    const wanted = new Set(listValues(raw).map((v) => v.toLowerCase()));
    return values.filter((v) => wanted.has(v));
  });

const currencyList = z.unknown().transform((raw): string[] => {
  const codes = new Set(listValues(raw).map((v) => v.toUpperCase()));
  return [...codes].filter((c) => isKnownCurrency(c)).sort();
});

const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day `YYYY-MM-DD` (UTC), years 1900–9998 so `day + 1` stays a plain ISO date. */
export function isIsoDay(s: string): boolean {
  const m = DATE_SHAPE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  if (year < 1900 || year > 9998) return false;
  const d = new Date(`${s}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const isoDay = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && isIsoDay(v) ? v : null;
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

const oneOf = <T extends string | number>(values: readonly T[], fallback: T) =>
  z.unknown().transform((raw): T => {
    const v = firstValue(raw)?.trim();
    return values.find((candidate) => String(candidate) === v) ?? fallback;
  });

const CURSOR_SHAPE = /^[A-Za-z0-9_-]+$/;

const cursor = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && v.length <= MAX_CURSOR_LENGTH && CURSOR_SHAPE.test(v) ? v : null;
});

export const paymentListQuery = z
  .object({
    // `.default(…)` covers an absent (or undefined) parameter; the transforms cover junk.
    status: enumList<PaymentStatus>(paymentStatuses).default(() => []),
    kind: enumList<PaymentKind>(paymentKinds).default(() => []),
    provider: enumList<PaymentProvider>(paymentProviders).default(() => []),
    currency: currencyList.default(() => []),
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
    cursor: cursor.default(null),
    back: z
      .unknown()
      .transform((raw): boolean => firstValue(raw)?.trim() === "1")
      .default(false),
  })
  // Paging backwards means "the rows before this cursor": without a cursor it is the first page.
  .transform((q) => ({ ...q, back: q.back && q.cursor !== null }))
  // Anything that is not a plain record (a URLSearchParams, null, …) parses as the defaults.
  .catch(() => defaultQuery());

export type PaymentListQuery = z.output<typeof paymentListQuery>;
export type PaymentListSearchParams = Record<string, SearchParamValue>;

function defaultQuery(): PaymentListQuery {
  return {
    status: [],
    kind: [],
    provider: [],
    currency: [],
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

/** URLSearchParams → the record shape Next.js passes as `searchParams` (repeated keys become arrays). */
export function searchParamsRecord(params: URLSearchParams): PaymentListSearchParams {
  const out: PaymentListSearchParams = {};
  for (const [key, value] of params) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Whether any of the toolbar's filters is set (the customer filter comes from a link, not the toolbar). */
export function hasToolbarFilters(query: PaymentListQuery): boolean {
  return (
    query.status.length + query.kind.length + query.provider.length + query.currency.length > 0 ||
    Boolean(query.from || query.to || query.min || query.max || query.q)
  );
}
