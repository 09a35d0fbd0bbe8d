import { and, type SQL, sql } from "drizzle-orm";
import { type CappedCount, countCapped } from "@/db/capped-count";
import type { Queryable } from "@/db/client";
import { customers, payments, plans, subscriptions } from "@/db/schema";
import type { SubscriptionStatus } from "@/db/schema/enums";
import { effectiveStatus } from "../subscriptions/arithmetic";
import { isUuid } from "../validation/common";
import { type CustomerListQuery, isQueryTooShort } from "../validation/customer-list";
import { likeLiteral } from "./search";

/**
 * The /customers list: keyset pages in one of two orders, each read straight off an index.
 *
 *   no search   newest first, (created_at desc, id desc)   customers_created_at_idx
 *   search      by lower(email)                             customers_email_lower_key
 *
 * lower(email) is unique (that index enforces it), so it orders every row on its own and is
 * the whole cursor. Its order is the database's collation: stable within one database, which
 * is all a cursor needs. A search matches a fragment of the email or the name
 * (case-insensitive, LIKE metacharacters taken literally, through the trigram indexes on
 * lower(email) and lower(name)) or a prefix of the id; the planner picks between those
 * indexes (few matches) and walking the email index in order (a fragment most customers
 * share), so both stay a few milliseconds at 100,000 customers.
 *
 * Subscriptions and payment counts are read for the page's ids only, never per row.
 */

export interface CustomerSubscriptionSummary {
  planCode: string;
  planName: string;
  /** What a reader should see: a stored `active` whose period has ended is `expired`. */
  status: SubscriptionStatus;
  currentPeriodEnd: Date;
}

export interface CustomerListRow {
  id: string;
  email: string;
  name: string;
  externalRef: string | null;
  createdAt: Date;
  subscriptions: CustomerSubscriptionSummary[];
  paymentCount: number;
  lastPaymentAt: Date | null;
}

export interface CustomerListPage {
  rows: CustomerListRow[];
  /** Cursor of the page after this one (use without `back`); null on the last page. */
  nextCursor: string | null;
  /** Cursor of the page before this one (use with `back=1`); null on the first page. */
  prevCursor: string | null;
  /** The search text is too short to run: nothing was searched. */
  tooShort: boolean;
}

type Mode = "recent" | "search";

// ---------------------------------------------------------------------------------------
// Cursor: base64url JSON of the boundary row's sort key, tagged with the order it belongs to.

interface Boundary {
  id: string;
  createdAt: Date;
  /** lower(email), as the database lowercases it. */
  emailKey: string;
}

type CursorPayload = { m: "r"; v: string; id: string } | { m: "s"; v: string };

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCustomerCursor(mode: Mode, row: Boundary): string {
  const payload: CursorPayload =
    mode === "recent" ? { m: "r", v: row.createdAt.toISOString(), id: row.id } : { m: "s", v: row.emailKey };
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

type Position = { mode: "recent"; createdAt: string; id: string } | { mode: "search"; emailKey: string };

/** The position a cursor names, or null for anything malformed or from the other order. */
export function decodeCustomerCursor(cursor: string | null, mode: Mode): Position | null {
  if (!cursor || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return null;
  const { m, v, id } = payload as Record<string, unknown>;
  if (typeof v !== "string") return null;
  if (mode === "recent") {
    if (m !== "r" || typeof id !== "string" || !isUuid(id) || !ISO_MS.test(v)) return null;
    const t = new Date(v);
    if (Number.isNaN(t.getTime()) || t.toISOString() !== v) return null;
    return { mode, createdAt: v, id: id.toLowerCase() };
  }
  if (m !== "s" || v.length === 0 || v.length > 320 || v.includes("\u0000") || !v.isWellFormed()) return null;
  return { mode, emailKey: v };
}

// ---------------------------------------------------------------------------------------
// Matching

const UUID_TEMPLATE = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
/** Fewer hex digits than this are not taken as the start of an id. */
export const ID_PREFIX_MIN = 4;

/**
 * The range of ids that start with `term`, when `term` reads as the beginning of an id
 * (at least ID_PREFIX_MIN hex digits, with or without the dashes in their places), else null.
 * A whole id gives a range of one.
 */
export function idPrefixRange(term: string): { from: string; to: string } | null {
  const t = term.trim().toLowerCase();
  const hex = t.replaceAll("-", "");
  if (hex.length < ID_PREFIX_MIN || hex.length > 32 || !/^[0-9a-f]+$/.test(hex)) return null;
  if (t.includes("-")) {
    for (let i = 0; i < t.length; i++) {
      if ((UUID_TEMPLATE[i] === "-") !== (t[i] === "-")) return null;
    }
  }
  const format = (h: string) =>
    `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return { from: format(hex.padEnd(32, "0")), to: format(hex.padEnd(32, "f")) };
}

const emailKey = sql<string>`lower(${customers.email})`;

function matchCondition(term: string): SQL {
  const contains = `%${likeLiteral(term)}%`;
  const parts = [
    sql`${emailKey} like lower(${contains}) escape '\\'`,
    sql`lower(${customers.name}) like lower(${contains}) escape '\\'`,
  ];
  const ids = idPrefixRange(term);
  if (ids) parts.push(sql`${customers.id} between ${ids.from}::uuid and ${ids.to}::uuid`);
  return sql`(${sql.join(parts, sql` or `)})`;
}

/**
 * A LIKE fragment's selectivity is only known with its value: a cached generic plan (the
 * app's PostgreSQL client prepares every statement) would pick one plan for "anna" and
 * "example.com" alike. Searches therefore plan with their actual values, as the payments
 * list does (lib/payments/list.ts, withPlansFor).
 */
function withCustomPlans<T>(db: Queryable, searching: boolean, run: (db: Queryable) => Promise<T>) {
  if (!searching) return run(db);
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return run(tx);
  });
}

// ---------------------------------------------------------------------------------------
// Queries

const baseColumns = {
  id: customers.id,
  email: customers.email,
  name: customers.name,
  externalRef: customers.externalRef,
  createdAt: customers.createdAt,
  emailKey,
};

type BaseRow = {
  id: string;
  email: string;
  name: string;
  externalRef: string | null;
  createdAt: Date;
  emailKey: string;
};

/**
 * ORDER BY spelled like the indexes: customers_created_at_idx is
 * `(created_at desc nulls last, id desc nulls last)`, and the planner matches NULLS placement
 * literally (see lib/payments/list.ts); backwards is the same index read the other way.
 */
function orderFor(mode: Mode, forward: boolean): SQL[] {
  if (mode === "search") return [forward ? sql`${emailKey} asc` : sql`${emailKey} desc`];
  return forward
    ? [sql`${customers.createdAt} desc nulls last`, sql`${customers.id} desc nulls last`]
    : [sql`${customers.createdAt} asc nulls first`, sql`${customers.id} asc nulls first`];
}

function afterCondition(position: Position, forward: boolean): SQL {
  if (position.mode === "search") {
    return forward ? sql`${emailKey} > ${position.emailKey}` : sql`${emailKey} < ${position.emailKey}`;
  }
  const boundary = sql`(${position.createdAt}::timestamptz, ${position.id}::uuid)`;
  return forward
    ? sql`(${customers.createdAt}, ${customers.id}) < ${boundary}`
    : sql`(${customers.createdAt}, ${customers.id}) > ${boundary}`;
}

async function fetchBase(
  db: Queryable,
  term: string | null,
  position: Position | null,
  forward: boolean,
  limit: number,
): Promise<BaseRow[]> {
  const mode: Mode = term === null ? "recent" : "search";
  const where: SQL[] = [];
  if (term !== null) where.push(matchCondition(term));
  if (position) where.push(afterCondition(position, forward));
  return db
    .select(baseColumns)
    .from(customers)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...orderFor(mode, forward))
    .limit(limit);
}

/** One text parameter holding a Postgres array literal: a stable statement whatever the count. */
const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(",")}}`}::uuid[]`;

/** Subscriptions and payment totals of the given customers, two queries for the whole page. */
async function decorate(db: Queryable, rows: BaseRow[], now: Date): Promise<CustomerListRow[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [subs, totals] = await Promise.all([
    db
      .select({
        customerId: subscriptions.customerId,
        planCode: plans.code,
        planName: plans.name,
        status: subscriptions.status,
        currentPeriodEnd: subscriptions.currentPeriodEnd,
      })
      .from(subscriptions)
      .innerJoin(plans, sql`${plans.id} = ${subscriptions.planId}`)
      .where(sql`${subscriptions.customerId} = any(${uuidArray(ids)})`)
      .orderBy(plans.code),
    db
      .select({
        customerId: payments.customerId,
        count: sql<number>`count(*)::int`,
        lastAt: sql<Date | string | null>`max(${payments.createdAt})`,
      })
      .from(payments)
      .where(sql`${payments.customerId} = any(${uuidArray(ids)})`)
      .groupBy(payments.customerId),
  ]);
  const subsBy = new Map<string, CustomerSubscriptionSummary[]>();
  for (const s of subs) {
    const list = subsBy.get(s.customerId) ?? [];
    list.push({
      planCode: s.planCode,
      planName: s.planName,
      status: effectiveStatus(s.status, s.currentPeriodEnd, now),
      currentPeriodEnd: s.currentPeriodEnd,
    });
    subsBy.set(s.customerId, list);
  }
  const totalsBy = new Map(totals.map((t) => [t.customerId, t]));
  return rows.map(({ emailKey: _key, ...row }) => {
    const total = totalsBy.get(row.id);
    return {
      ...row,
      subscriptions: subsBy.get(row.id) ?? [],
      paymentCount: Number(total?.count ?? 0),
      // A raw aggregate comes back as text on some drivers.
      lastPaymentAt: total?.lastAt ? new Date(total.lastAt) : null,
    };
  });
}

/**
 * One page of customers. Forward pages (no `back`) hold the rows after `cursor`, backward
 * pages the rows before it, read in reverse and turned round. A cursor that does not decode
 * for this order is ignored: the first page is returned.
 */
export function listCustomersPage(
  db: Queryable,
  query: CustomerListQuery,
  now: Date = new Date(),
): Promise<CustomerListPage> {
  if (isQueryTooShort(query)) {
    return Promise.resolve({ rows: [], nextCursor: null, prevCursor: null, tooShort: true });
  }
  return withCustomPlans(db, query.q !== null, (tx) => pageOf(tx, query, now));
}

async function pageOf(db: Queryable, query: CustomerListQuery, now: Date): Promise<CustomerListPage> {
  const mode: Mode = query.q === null ? "recent" : "search";
  const size = query.size;
  const position = decodeCustomerCursor(query.cursor, mode);
  const encode = (row: BaseRow) => encodeCustomerCursor(mode, row);
  const page = async (rows: BaseRow[], next: string | null, prev: string | null) => ({
    rows: await decorate(db, rows, now),
    nextCursor: next,
    prevCursor: prev,
    tooShort: false,
  });

  if (position && query.back) {
    const fetched = await fetchBase(db, query.q, position, false, size + 1);
    if (fetched.length > size) {
      const rows = fetched.slice(0, size).reverse();
      return page(rows, encode(rows[rows.length - 1]!), encode(rows[0]!));
    }
    // Less than a page lies before the cursor: that is the first page, shown full.
  }
  if (!position || query.back) {
    const fetched = await fetchBase(db, query.q, null, true, size + 1);
    const rows = fetched.slice(0, size);
    return page(rows, fetched.length > size ? encode(rows[rows.length - 1]!) : null, null);
  }
  const fetched = await fetchBase(db, query.q, position, true, size + 1);
  const rows = fetched.slice(0, size);
  return page(
    rows,
    fetched.length > size ? encode(rows[rows.length - 1]!) : null,
    rows.length > 0 ? encode(rows[0]!) : null,
  );
}

/** How many customers the search matches (all of them without one), counting at most `cap` + 1. */
export function countCustomersCapped(
  db: Queryable,
  query: CustomerListQuery,
  cap = 1000,
): Promise<CappedCount> {
  if (isQueryTooShort(query)) return Promise.resolve({ count: 0, capped: false });
  const limit = Math.max(0, Math.floor(cap));
  return withCustomPlans(db, query.q !== null, async (tx) => {
    return countCapped(tx, customers, query.q === null ? [] : [matchCondition(query.q)], limit);
  });
}
