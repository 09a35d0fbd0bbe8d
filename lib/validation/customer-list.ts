import { z } from "zod";
import { isStorableText } from "./common";
import {
  CUSTOMER_LIST_DEFAULT_SIZE,
  CUSTOMER_QUERY_MAX,
  CUSTOMER_QUERY_MIN,
  type CustomerListSize,
  customerListSizes,
} from "./customer-list-options";
import { backFlag, cursorParam, firstValue, oneOf, type SearchParamsRecord } from "./url-state";

export * from "./customer-list-options";

/**
 * The customers list's state as it lives in the URL (`/customers?q=anna&size=50&cursor=…`).
 *
 * Like the payments list, parsing never fails: a shared link with one bad parameter still
 * renders, every invalid value is dropped or replaced by its default.
 */

export type CustomerListSearchParams = SearchParamsRecord;

/**
 * The search text, trimmed. A one-character search is kept (the page says it is too short)
 * rather than dropped, which would silently list every customer instead.
 */
const search = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  if (!v || !isStorableText(v)) return null;
  return v.slice(0, CUSTOMER_QUERY_MAX);
});

export const customerListQuery = z
  .object({
    q: search.default(null),
    size: oneOf<CustomerListSize>(customerListSizes, CUSTOMER_LIST_DEFAULT_SIZE).default(
      CUSTOMER_LIST_DEFAULT_SIZE,
    ),
    cursor: cursorParam.default(null),
    back: backFlag.default(false),
  })
  .transform((q) => ({ ...q, back: q.back && q.cursor !== null }))
  .catch(() => ({ q: null, size: CUSTOMER_LIST_DEFAULT_SIZE, cursor: null, back: false }));

export type CustomerListQuery = z.output<typeof customerListQuery>;

export function parseCustomerListQuery(
  searchParams: CustomerListSearchParams | undefined,
): CustomerListQuery {
  return customerListQuery.parse(searchParams ?? {});
}

/** Whether the search text is too short to run (the page asks for more instead of listing). */
export function isQueryTooShort(query: Pick<CustomerListQuery, "q">): boolean {
  return query.q !== null && query.q.length < CUSTOMER_QUERY_MIN;
}
