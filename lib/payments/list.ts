import cc from "currency-codes";
import {
  and,
  asc,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  lt,
  lte,
  notInArray,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { type CappedCount, countCapped } from "@/db/capped-count";
import type { Queryable } from "@/db/client";
import { customers, payments, plans, refunds } from "@/db/schema";
import type { PaymentKind, PaymentMethod, PaymentProvider, PaymentStatus } from "@/db/schema/enums";
import { currencyExponent, parseAmount } from "../money";
import { decodeCursorPayload, encodeCursorPayload, isIsoMillis } from "../pagination/cursor";
import { isUuid } from "../validation/common";
import type {
  PaymentListDir,
  PaymentListFlag,
  PaymentListQuery,
  PaymentListSort,
} from "../validation/payment-list";

/**
 * The server-driven payments list: filters from the URL (lib/validation/payment-list.ts),
 * keyset pagination on (sort value, id) over the indexes
 *   payments (created_at desc, id desc)              default order
 *   payments (status, created_at desc, id desc)       one status
 *   payments (customer_id, created_at desc, id desc)  one customer
 *   payments (amount_minor, id)                       amount order (scanned backwards for desc)
 * and a count that stops at a cap. Never OFFSET: page 400 costs what page 1 costs.
 *
 * The `flag` filter (disputed, refund pending, held for review) is a plain condition on the
 * same scan: flagged payments are few, and the pending refunds are read through
 * refunds_pending_idx (a partial index holding only them).
 */

export interface PaymentListRow {
  id: string;
  createdAt: Date;
  status: PaymentStatus;
  kind: PaymentKind;
  provider: PaymentProvider;
  providerPaymentId: string | null;
  amountMinor: bigint;
  refundedMinor: bigint;
  currency: string;
  method: PaymentMethod | null;
  description: string | null;
  customerId: string;
  customerEmail: string;
  customerName: string;
  planCode: string | null;
  planName: string | null;
  /** A dispute of it is open or was lost. */
  disputed: boolean;
  /** Why it waits for a person before granting anything (null: it does not). */
  reviewReason: string | null;
  /** A refund of it is still waiting for the provider's confirmation. */
  refundPending: boolean;
}

export interface PaymentListPage {
  rows: PaymentListRow[];
  /** Cursor of the page after this one (use without `back`); null on the last page. */
  nextCursor: string | null;
  /** Cursor of the page before this one (use with `back=1`); null on the first page. */
  prevCursor: string | null;
}

// ---------------------------------------------------------------------------------------
// Cursor: base64url JSON of the boundary row's sort value and id (plus the order it belongs
// to, so a cursor from another sort is ignored rather than misread).

interface CursorPosition {
  /** ISO timestamp (sort=created) or the amount in minor units as a decimal string (sort=amount). */
  value: string;
  id: string;
}

interface CursorPayload {
  s: PaymentListSort;
  d: PaymentListDir;
  v: string;
  id: string;
}

const BIGINT_TEXT = /^(?:0|[1-9]\d{0,18})$/;
const BIGINT_MAX = 2n ** 63n - 1n;

export function encodeCursor(sort: PaymentListSort, dir: PaymentListDir, row: PaymentListRow): string {
  const payload: CursorPayload = {
    s: sort,
    d: dir,
    v: sort === "created" ? row.createdAt.toISOString() : row.amountMinor.toString(),
    id: row.id,
  };
  return encodeCursorPayload(payload);
}

/** The position a cursor names, or null for anything malformed, tampered or from another order. */
export function decodeCursor(
  cursor: string | null,
  sort: PaymentListSort,
  dir: PaymentListDir,
): CursorPosition | null {
  const payload = decodeCursorPayload(cursor);
  if (!payload) return null;
  const { s, d, v, id } = payload;
  if (s !== sort || d !== dir || typeof v !== "string" || typeof id !== "string" || !isUuid(id)) return null;
  if (sort === "created") {
    if (!isIsoMillis(v)) return null;
  } else if (!BIGINT_TEXT.test(v) || BigInt(v) > BIGINT_MAX) {
    return null;
  }
  return { value: v, id: id.toLowerCase() };
}

// ---------------------------------------------------------------------------------------
// Filters

/** ISO currencies grouped by minor-unit exponent, except the common exponent 2 ("the rest"). */
const COMMON_EXPONENT = 2;
const CURRENCIES_BY_EXPONENT: ReadonlyMap<number, readonly string[]> = (() => {
  const groups = new Map<number, string[]>();
  for (const code of cc.codes()) {
    const exponent = currencyExponent(code);
    if (exponent === null || exponent === COMMON_EXPONENT) continue;
    const list = groups.get(exponent) ?? [];
    list.push(code);
    groups.set(exponent, list);
  }
  for (const list of groups.values()) list.sort();
  return groups;
})();
const UNCOMMON_CURRENCIES = [...CURRENCIES_BY_EXPONENT.values()].flat().sort();

/** A currency code with the given exponent, to parse amounts with the shared money parser. */
function currencyWithExponent(exponent: number): string | null {
  if (exponent === COMMON_EXPONENT) return "USD";
  return CURRENCIES_BY_EXPONENT.get(exponent)?.[0] ?? null;
}

/**
 * A major-unit decimal bound in minor units of a currency with `exponent` decimals, exact:
 * digits beyond the exponent round up for a lower bound and down for an upper bound, so that
 * `amount ≥ 100.5 JPY` is `minor ≥ 101`. Null when the bound exceeds every storable amount.
 */
export function boundToMinor(decimal: string, exponent: number, rounding: "ceil" | "floor"): bigint | null {
  const currency = currencyWithExponent(exponent);
  if (currency === null) return null;
  const [whole = "0", fraction = ""] = decimal.split(".");
  const kept = fraction.slice(0, exponent);
  const dropped = fraction.slice(exponent);
  const parsed = parseAmount(kept ? `${whole}.${kept}` : whole, currency);
  if (!parsed.ok) return null;
  return rounding === "ceil" && /[1-9]/.test(dropped) ? parsed.minor + 1n : parsed.minor;
}

interface AmountGroup {
  exponent: number;
  /** The currency condition of the group; null when the other filters already imply it. */
  currencyCondition: SQL | null;
}

function amountGroups(query: PaymentListQuery): AmountGroup[] {
  if (query.currency.length > 0) {
    const byExponent = new Map<number, string[]>();
    for (const code of query.currency) {
      const exponent = currencyExponent(code) ?? COMMON_EXPONENT;
      byExponent.set(exponent, [...(byExponent.get(exponent) ?? []), code]);
    }
    const single = byExponent.size === 1;
    return [...byExponent].map(([exponent, codes]) => ({
      exponent,
      currencyCondition: single ? null : inArray(payments.currency, codes),
    }));
  }
  return [
    // Exponent 2 is most of the world (and the fallback for any code the table does not know).
    { exponent: COMMON_EXPONENT, currencyCondition: notInArray(payments.currency, UNCOMMON_CURRENCIES) },
    ...[...CURRENCIES_BY_EXPONENT].map(([exponent, codes]) => ({
      exponent,
      currencyCondition: inArray(payments.currency, [...codes]),
    })),
  ];
}

/**
 * The amount range, in each payment's own currency: one branch per exponent group,
 * OR-ed, plus the loosest bounds over all groups (implied by the branches) so that an
 * amount-ordered scan can start and stop in the index.
 */
function amountCondition(query: PaymentListQuery): SQL | undefined {
  if (query.min === null && query.max === null) return undefined;
  const branches: SQL[] = [];
  let loosestMin: bigint | null = null;
  let loosestMax: bigint | null = null;
  let unboundedMax = false;
  for (const group of amountGroups(query)) {
    const lo = query.min === null ? null : boundToMinor(query.min, group.exponent, "ceil");
    if (query.min !== null && lo === null) continue; // above every storable amount
    const hi = query.max === null ? null : boundToMinor(query.max, group.exponent, "floor");
    if (lo !== null && hi !== null && lo > hi) continue;
    const parts: SQL[] = [];
    if (group.currencyCondition) parts.push(group.currencyCondition);
    if (lo !== null) parts.push(gte(payments.amountMinor, lo));
    if (hi !== null) parts.push(lte(payments.amountMinor, hi));
    branches.push(parts.length === 1 ? parts[0]! : and(...parts)!);
    if (lo !== null && (loosestMin === null || lo < loosestMin)) loosestMin = lo;
    if (hi === null) unboundedMax = true;
    else if (loosestMax === null || hi > loosestMax) loosestMax = hi;
  }
  if (branches.length === 0) return sql`false`;
  const out: SQL[] = [];
  if (branches.length > 1) {
    if (loosestMin !== null) out.push(gte(payments.amountMinor, loosestMin));
    if (!unboundedMax && loosestMax !== null) out.push(lte(payments.amountMinor, loosestMax));
    out.push(or(...branches)!);
  } else {
    out.push(branches[0]!);
  }
  return and(...out);
}

/** `%fragment%` for LIKE, with the fragment's own `\`, `%` and `_` taken literally. */
export function likeContains(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const DAY_MS = 86_400_000;

/**
 * Up to this many customers matching a fragment are passed to the payments query as a list
 * of ids; more than that and the fragment is broad enough that the payments query semi-joins
 * the customer search itself.
 */
export const FRAGMENT_ID_LIST_MAX = 1000;

/** Which customers the `q` fragment selects: a list of ids, or "many" (over the list limit). */
type CustomerMatch = { ids: string[] } | "many" | null;

/**
 * The customers whose email or name contains the fragment, through the trigram GIN indexes
 * on lower(email) and lower(name). Resolving them first lets the payments query see how many
 * there are (a bound array, not a LIKE whose selectivity a cached plan cannot know): a
 * handful makes it read those customers' payments through (customer_id, created_at, id), a
 * thousand makes it walk the sort index and probe a hashed id list.
 */
async function matchCustomers(db: Queryable, fragment: string | null): Promise<CustomerMatch> {
  if (fragment === null) return null;
  const pattern = likeContains(fragment);
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(
      sql`lower(${customers.email}) like lower(${pattern}) or lower(${customers.name}) like lower(${pattern})`,
    )
    .limit(FRAGMENT_ID_LIST_MAX + 1);
  return rows.length > FRAGMENT_ID_LIST_MAX ? "many" : { ids: rows.map((r) => r.id) };
}

function customerMatchCondition(fragment: string, match: Exclude<CustomerMatch, null>): SQL {
  if (match !== "many") {
    // One text parameter holding a Postgres array literal: a stable statement text whatever
    // the number of ids (uuids need no quoting).
    return sql`${payments.customerId} = any(${`{${match.ids.join(",")}}`}::uuid[])`;
  }
  const pattern = likeContains(fragment);
  return sql`${payments.customerId} in (select m.id from ${customers} m where lower(m.email) like lower(${pattern}) or lower(m.name) like lower(${pattern}))`;
}

function filterConditions(query: PaymentListQuery, match: CustomerMatch): SQL[] {
  const where: SQL[] = [];
  if (query.status.length === 1) where.push(eq(payments.status, query.status[0]!));
  else if (query.status.length > 1) where.push(inArray(payments.status, query.status));
  if (query.kind.length > 0) where.push(inArray(payments.kind, query.kind));
  if (query.provider.length > 0) where.push(inArray(payments.provider, query.provider));
  if (query.currency.length === 1) where.push(eq(payments.currency, query.currency[0]!));
  else if (query.currency.length > 1) where.push(inArray(payments.currency, query.currency));
  if (query.from) where.push(gte(payments.createdAt, new Date(`${query.from}T00:00:00.000Z`)));
  if (query.to)
    where.push(lt(payments.createdAt, new Date(Date.parse(`${query.to}T00:00:00.000Z`) + DAY_MS)));
  const amount = amountCondition(query);
  if (amount) where.push(amount);
  if (query.customer) where.push(eq(payments.customerId, query.customer));
  if (query.q && match) where.push(customerMatchCondition(query.q, match));
  // Any of the chosen flags, like the other facets.
  if (query.flag.length === 1) where.push(flagCondition(query.flag[0]!));
  else if (query.flag.length > 1) where.push(or(...query.flag.map(flagCondition))!);
  return where;
}

/** Payments with a refund still pending (through the partial index refunds_pending_idx). */
const pendingRefundPayments = sql`select ${refunds.paymentId} from ${refunds} where ${refunds.status} = 'pending'`;

function flagCondition(flag: PaymentListFlag): SQL {
  switch (flag) {
    case "disputed":
      return eq(payments.disputed, true);
    case "held":
      return isNotNull(payments.reviewReason);
    case "refund_pending":
      return sql`${payments.id} in (${pendingRefundPayments})`;
  }
}

/** True when the fragment matches no customer at all: no payment can match. */
const matchesNothing = (match: CustomerMatch) => match !== null && match !== "many" && match.ids.length === 0;

// ---------------------------------------------------------------------------------------
// Queries

const rowColumns = {
  id: payments.id,
  createdAt: payments.createdAt,
  status: payments.status,
  kind: payments.kind,
  provider: payments.provider,
  providerPaymentId: payments.providerPaymentId,
  amountMinor: payments.amountMinor,
  refundedMinor: payments.refundedMinor,
  currency: payments.currency,
  method: payments.method,
  description: payments.description,
  customerId: payments.customerId,
  customerEmail: customers.email,
  customerName: customers.name,
  planCode: plans.code,
  planName: plans.name,
  disputed: payments.disputed,
  reviewReason: payments.reviewReason,
  // One probe of refunds_payment_idx per row of the page.
  refundPending: sql<boolean>`exists (select 1 from ${refunds} where ${refunds.paymentId} = ${payments.id} and ${refunds.status} = 'pending')`,
};

/**
 * ORDER BY spelled exactly like the indexes. The created-at indexes are
 * `(…, created_at desc nulls last, id desc nulls last)` (drizzle writes NULLS LAST), and
 * the planner matches NULLS placement literally even on NOT NULL columns: a plain
 * `created_at desc` (NULLS FIRST) would sort the whole table instead of reading the index.
 * Ascending reads the same index backwards, i.e. `asc nulls first`. The amount index is
 * `(amount_minor, id)` with the defaults, which plain `asc` / `desc` match.
 */
function orderBy(sort: PaymentListSort, descending: boolean): SQL[] {
  if (sort === "amount") {
    const order = descending ? desc : asc;
    return [order(payments.amountMinor), order(payments.id)];
  }
  return descending
    ? [sql`${payments.createdAt} desc nulls last`, sql`${payments.id} desc nulls last`]
    : [sql`${payments.createdAt} asc nulls first`, sql`${payments.id} asc nulls first`];
}

/**
 * The app's PostgreSQL client runs every statement as a named prepared statement, and after
 * five executions PostgreSQL may switch a statement to a generic plan, planned without the
 * parameter values. For `lower(email) like $1` that plan cannot know whether the fragment
 * matches ten customers or ten thousand, and it chose a sequential scan of all customers
 * (~100 ms at 100k customers instead of ~2 ms). Queries with a fragment therefore run in a
 * transaction that asks for plans made with the actual values
 * (`plan_cache_mode = force_custom_plan`, local to that transaction). Other queries keep
 * their cached plans: they have no parameter whose value changes the right plan.
 */
function withPlansFor<T>(db: Queryable, query: PaymentListQuery, run: (db: Queryable) => Promise<T>) {
  if (query.q === null) return run(db);
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return run(tx);
  });
}

interface PageRequest {
  query: PaymentListQuery;
  match: CustomerMatch;
  descending: boolean;
}

async function fetchRows(
  db: Queryable,
  { query, match, descending }: PageRequest,
  position: CursorPosition | null,
  limit: number,
): Promise<PaymentListRow[]> {
  const sortColumn = query.sort === "amount" ? payments.amountMinor : payments.createdAt;
  const where = filterConditions(query, match);
  if (position) {
    const value =
      query.sort === "amount" ? sql`${position.value}::bigint` : sql`${position.value}::timestamptz`;
    const boundary = sql`(${value}, ${position.id}::uuid)`;
    where.push(
      descending
        ? sql`(${sortColumn}, ${payments.id}) < ${boundary}`
        : sql`(${sortColumn}, ${payments.id}) > ${boundary}`,
    );
  }
  return db
    .select(rowColumns)
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...orderBy(query.sort, descending))
    .limit(limit);
}

/**
 * One page of payments in the query's order. Forward pages (no `back`) hold the rows after
 * `cursor`; backward pages (`back`) the rows before it, read in the reversed order and turned
 * round. A cursor that does not decode for this order is ignored: the first page is returned.
 */
export function listPaymentsPage(db: Queryable, query: PaymentListQuery): Promise<PaymentListPage> {
  return withPlansFor(db, query, (q) => pageOf(q, query));
}

async function pageOf(db: Queryable, query: PaymentListQuery): Promise<PaymentListPage> {
  const match = await matchCustomers(db, query.q);
  if (matchesNothing(match)) return { rows: [], nextCursor: null, prevCursor: null };
  const size = query.size;
  const position = decodeCursor(query.cursor, query.sort, query.dir);
  const forward: PageRequest = { query, match, descending: query.dir === "desc" };
  const encode = (row: PaymentListRow) => encodeCursor(query.sort, query.dir, row);

  if (position && query.back) {
    const fetched = await fetchRows(db, { ...forward, descending: !forward.descending }, position, size + 1);
    if (fetched.length > size) {
      const rows = fetched.slice(0, size).reverse();
      return { rows, prevCursor: encode(rows[0]!), nextCursor: encode(rows[rows.length - 1]!) };
    }
    // Less than a page lies before the cursor: that is the first page, shown full.
  }
  if (!position || query.back) {
    const fetched = await fetchRows(db, forward, null, size + 1);
    const rows = fetched.slice(0, size);
    return {
      rows,
      nextCursor: fetched.length > size ? encode(rows[rows.length - 1]!) : null,
      prevCursor: null,
    };
  }

  const fetched = await fetchRows(db, forward, position, size + 1);
  const rows = fetched.slice(0, size);
  return {
    rows,
    nextCursor: fetched.length > size ? encode(rows[rows.length - 1]!) : null,
    prevCursor: rows.length > 0 ? encode(rows[0]!) : null,
  };
}

/**
 * How many payments match the query's filters (cursor and order aside), counting at most
 * `cap` + 1 rows so that a broad filter over millions of payments stays cheap.
 */
export async function countPaymentsCapped(
  db: Queryable,
  query: PaymentListQuery,
  cap = 10_000,
): Promise<CappedCount> {
  const limit = Math.max(0, Math.floor(cap));
  return withPlansFor(db, query, (q) => countOf(q, query, limit));
}

async function countOf(db: Queryable, query: PaymentListQuery, limit: number): Promise<CappedCount> {
  const match = await matchCustomers(db, query.q);
  if (matchesNothing(match)) return { count: 0, capped: false };
  const where = filterConditions(query, match);
  return countCapped(db, payments, where, limit);
}
