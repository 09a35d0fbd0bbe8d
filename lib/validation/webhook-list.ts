import { z } from "zod";
import { isStorableText, isUuid } from "./common";
import type { PaymentListSearchParams } from "./payment-list";
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
import {
  WEBHOOK_LIST_DEFAULTS,
  type WebhookListOutcome,
  type WebhookListProvider,
  type WebhookListSize,
  webhookListOutcomes,
  webhookListProviders,
  webhookListSizes,
} from "./webhook-list-options";

export * from "./webhook-list-options";

/**
 * The webhook event log's state as it lives in the URL (`/webhooks?outcome=failed&provider=stripe`),
 * shared by the page and `webhooks list` on the CLI.
 *
 * Parsing never fails: a shared link with one bad parameter must still render, so every
 * invalid value is dropped (or replaced by its default) instead of becoming an error.
 *
 * - `provider`: `stripe`, `yookassa` (comma-separated or repeated).
 * - `type`: event type names (`payment_intent.succeeded,charge.refunded`). Any name shaped like
 *   one is kept, known or not: providers add types, and a link to one must keep working.
 * - `outcome`: `processed`, `ignored`, `failed`, and `pending` for an event stored but not
 *   (yet) applied, which is what a crash between the two would leave.
 * - `from` / `to`: UTC days `YYYY-MM-DD` of the time received; `to` is inclusive.
 * - `payment`: the id of the payment the events touched.
 * The order is fixed, newest received first; `cursor` + `back` locate a page.
 */

export const WEBHOOK_TYPE_MAX_LENGTH = 100;
/** At most this many types in one filter: more is junk, not a question someone asks. */
export const WEBHOOK_TYPES_MAX = 30;
const TYPE_SHAPE = /^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/;

export type WebhookListSearchParams = SearchParamsRecord;

/** Whether a string is shaped like a provider's event type name (`payment_intent.succeeded`). */
export function isWebhookTypeName(s: string): boolean {
  return s.length <= WEBHOOK_TYPE_MAX_LENGTH && TYPE_SHAPE.test(s) && isStorableText(s);
}

const typeList = z.unknown().transform((raw): string[] => {
  const names = new Set(listValues(raw).map((v) => v.toLowerCase()));
  const kept = [...names].filter(isWebhookTypeName).sort();
  return kept.length > WEBHOOK_TYPES_MAX ? [] : kept;
});

const paymentId = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && isUuid(v) ? v.toLowerCase() : null;
});

export const webhookListQuery = z
  .object({
    provider: enumList<WebhookListProvider>(webhookListProviders).default(() => []),
    type: typeList.default(() => []),
    outcome: enumList<WebhookListOutcome>(webhookListOutcomes).default(() => []),
    from: isoDay.default(null),
    to: isoDay.default(null),
    payment: paymentId.default(null),
    size: oneOf<WebhookListSize>(webhookListSizes, WEBHOOK_LIST_DEFAULTS.size).default(
      WEBHOOK_LIST_DEFAULTS.size,
    ),
    cursor: cursorParam.default(null),
    back: backFlag.default(false),
  })
  // Paging backwards means "the rows before this cursor": without a cursor it is the first page.
  .transform((q) => ({ ...q, back: q.back && q.cursor !== null }))
  // Anything that is not a plain record (a URLSearchParams, null, …) parses as the defaults.
  .catch(() => defaultWebhookListQuery());

export type WebhookListQuery = z.output<typeof webhookListQuery>;

export function defaultWebhookListQuery(): WebhookListQuery {
  return {
    provider: [],
    type: [],
    outcome: [],
    from: null,
    to: null,
    payment: null,
    size: WEBHOOK_LIST_DEFAULTS.size,
    cursor: null,
    back: false,
  };
}

/** Parses Next.js `searchParams` (or any record of strings) into the list query; never throws. */
export function parseWebhookListQuery(
  searchParams: WebhookListSearchParams | PaymentListSearchParams | undefined,
): WebhookListQuery {
  return webhookListQuery.parse(searchParams ?? {});
}

/**
 * The URL form of a query: only values that differ from the defaults, in a fixed order, so
 * that `webhookListQuery.parse(toWebhookSearchParams(q))` gives `q` back.
 */
export function toWebhookSearchParams(query: Partial<WebhookListQuery>): URLSearchParams {
  const out = new URLSearchParams();
  const list = (key: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) out.set(key, values.join(","));
  };
  const single = (key: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") out.set(key, value);
  };
  list("provider", query.provider);
  list("type", query.type);
  list("outcome", query.outcome);
  single("from", query.from);
  single("to", query.to);
  single("payment", query.payment);
  if (query.size && query.size !== WEBHOOK_LIST_DEFAULTS.size) out.set("size", String(query.size));
  single("cursor", query.cursor);
  if (query.back && query.cursor) out.set("back", "1");
  return out;
}
