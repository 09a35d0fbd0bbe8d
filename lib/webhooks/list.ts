import { and, eq, gte, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { type CappedCount, countCapped } from "@/db/capped-count";
import type { Queryable } from "@/db/client";
import { customers, payments, plans, webhookEvents } from "@/db/schema";
import type { PaymentStatus, WebhookOutcome } from "@/db/schema/enums";
import { ServiceError } from "../errors";
import { decodeCursorPayload, encodeCursorPayload, isIsoMillis } from "../pagination/cursor";
import { isUuid } from "../validation/common";
import {
  defaultWebhookListQuery,
  type WebhookListProvider,
  type WebhookListQuery,
  webhookListProviders,
} from "../validation/webhook-list";

/**
 * The server-driven webhook event log: filters from the URL (lib/validation/webhook-list.ts),
 * keyset pagination on (received_at desc, id desc) over the indexes
 *   webhook_events (received_at desc, id desc)            default order, provider/type/time filters
 *   webhook_events (outcome, received_at desc, id desc)   one outcome ("failed only" stays cheap)
 *   webhook_events (payment_id)                           one payment's events
 * and a count that stops at a cap. Never OFFSET. The payload (the large part of a row) is
 * read only by getWebhookEvent.
 */

export interface WebhookListRow {
  id: string;
  provider: WebhookListProvider;
  eventId: string;
  type: string;
  receivedAt: Date;
  processedAt: Date | null;
  /** Null while an event is stored but not applied. */
  outcome: WebhookOutcome | null;
  outcomeReason: string | null;
  attempts: number;
  error: string | null;
  verification: string | null;
  paymentId: string | null;
}

export interface WebhookListPage {
  rows: WebhookListRow[];
  /** Cursor of the page after this one (use without `back`); null on the last page. */
  nextCursor: string | null;
  /** Cursor of the page before this one (use with `back=1`); null on the first page. */
  prevCursor: string | null;
}

// ---------------------------------------------------------------------------------------
// Cursor: base64url JSON of the boundary row's received_at and id.

interface CursorPosition {
  receivedAt: string;
  id: string;
}

/** Marks a cursor as the event log's, so a payments cursor pasted here is ignored, not misread. */
const CURSOR_KIND = "wh";

export function encodeWebhookCursor(row: Pick<WebhookListRow, "receivedAt" | "id">): string {
  return encodeCursorPayload({ k: CURSOR_KIND, v: row.receivedAt.toISOString(), id: row.id });
}

/** The position a cursor names, or null for anything malformed, tampered or from another list. */
export function decodeWebhookCursor(cursor: string | null): CursorPosition | null {
  const payload = decodeCursorPayload(cursor);
  if (!payload) return null;
  const { k, v, id } = payload;
  if (k !== CURSOR_KIND || typeof v !== "string" || typeof id !== "string" || !isUuid(id)) return null;
  if (!isIsoMillis(v)) return null;
  return { receivedAt: v, id: id.toLowerCase() };
}

// ---------------------------------------------------------------------------------------
// Filters

const DAY_MS = 86_400_000;

function filterConditions(query: WebhookListQuery): SQL[] {
  const where: SQL[] = [];
  // Both providers is every event: no condition the planner would have to prove useless.
  if (query.provider.length > 0 && query.provider.length < webhookListProviders.length) {
    where.push(inArray(webhookEvents.provider, query.provider));
  }
  if (query.type.length === 1) where.push(eq(webhookEvents.type, query.type[0]!));
  else if (query.type.length > 1) where.push(inArray(webhookEvents.type, query.type));
  if (query.outcome.length > 0) {
    const stored = query.outcome.filter((o): o is WebhookOutcome => o !== "pending");
    const parts: SQL[] = [];
    if (stored.length === 1) parts.push(eq(webhookEvents.outcome, stored[0]!));
    else if (stored.length > 1) parts.push(inArray(webhookEvents.outcome, stored));
    if (query.outcome.includes("pending")) parts.push(isNull(webhookEvents.outcome));
    where.push(parts.length === 1 ? parts[0]! : or(...parts)!);
  }
  if (query.from) where.push(gte(webhookEvents.receivedAt, new Date(`${query.from}T00:00:00.000Z`)));
  if (query.to) {
    where.push(lt(webhookEvents.receivedAt, new Date(Date.parse(`${query.to}T00:00:00.000Z`) + DAY_MS)));
  }
  if (query.payment) where.push(eq(webhookEvents.paymentId, query.payment));
  return where;
}

// ---------------------------------------------------------------------------------------
// Queries

const rowColumns = {
  id: webhookEvents.id,
  provider: webhookEvents.provider,
  eventId: webhookEvents.eventId,
  type: webhookEvents.type,
  receivedAt: webhookEvents.receivedAt,
  processedAt: webhookEvents.processedAt,
  outcome: webhookEvents.outcome,
  outcomeReason: webhookEvents.outcomeReason,
  attempts: webhookEvents.attempts,
  error: webhookEvents.error,
  verification: webhookEvents.verification,
  paymentId: webhookEvents.paymentId,
};

/**
 * ORDER BY spelled exactly like the indexes (`desc nulls last`, as drizzle writes them): the
 * planner matches NULLS placement literally, and a plain `desc` would sort instead of reading
 * the index. Backwards reads the same index the other way round.
 */
function orderBy(descending: boolean): SQL[] {
  return descending
    ? [sql`${webhookEvents.receivedAt} desc nulls last`, sql`${webhookEvents.id} desc nulls last`]
    : [sql`${webhookEvents.receivedAt} asc nulls first`, sql`${webhookEvents.id} asc nulls first`];
}

async function fetchRows(
  db: Queryable,
  query: WebhookListQuery,
  descending: boolean,
  position: CursorPosition | null,
  limit: number,
): Promise<WebhookListRow[]> {
  const where = filterConditions(query);
  if (position) {
    const boundary = sql`(${position.receivedAt}::timestamptz, ${position.id}::uuid)`;
    where.push(
      descending
        ? sql`(${webhookEvents.receivedAt}, ${webhookEvents.id}) < ${boundary}`
        : sql`(${webhookEvents.receivedAt}, ${webhookEvents.id}) > ${boundary}`,
    );
  }
  const rows = await db
    .select(rowColumns)
    .from(webhookEvents)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...orderBy(descending))
    .limit(limit);
  // The column is the payments' provider enum; the event log only ever stores the two providers.
  return rows as WebhookListRow[];
}

/**
 * One page of events, newest received first. Forward pages (no `back`) hold the rows after
 * `cursor`; backward pages (`back`) the rows before it, read in the reversed order and turned
 * round. A cursor that does not decode is ignored: the first page is returned.
 */
export async function listWebhookEventsPage(
  db: Queryable,
  query: WebhookListQuery,
): Promise<WebhookListPage> {
  const size = query.size;
  const position = decodeWebhookCursor(query.cursor);

  if (position && query.back) {
    const fetched = await fetchRows(db, query, false, position, size + 1);
    if (fetched.length > size) {
      const rows = fetched.slice(0, size).reverse();
      return {
        rows,
        prevCursor: encodeWebhookCursor(rows[0]!),
        nextCursor: encodeWebhookCursor(rows[rows.length - 1]!),
      };
    }
    // Less than a page lies before the cursor: that is the first page, shown full.
  }
  if (!position || query.back) {
    const fetched = await fetchRows(db, query, true, null, size + 1);
    const rows = fetched.slice(0, size);
    return {
      rows,
      nextCursor: fetched.length > size ? encodeWebhookCursor(rows[rows.length - 1]!) : null,
      prevCursor: null,
    };
  }

  const fetched = await fetchRows(db, query, true, position, size + 1);
  const rows = fetched.slice(0, size);
  return {
    rows,
    nextCursor: fetched.length > size ? encodeWebhookCursor(rows[rows.length - 1]!) : null,
    prevCursor: rows.length > 0 ? encodeWebhookCursor(rows[0]!) : null,
  };
}

/**
 * The newest `limit` (1–1000) events matching the filters, for the CLI, which takes a limit
 * rather than a page size and a cursor.
 */
export function listNewestWebhookEvents(
  db: Queryable,
  filters: Partial<Pick<WebhookListQuery, "provider" | "type" | "outcome" | "from" | "to" | "payment">>,
  limit = 50,
): Promise<WebhookListRow[]> {
  const query: WebhookListQuery = { ...defaultWebhookListQuery(), ...filters };
  const clamped = Number.isInteger(limit) ? Math.min(Math.max(limit, 1), 1000) : 50;
  return fetchRows(db, query, true, null, clamped);
}

/**
 * How many events match the query's filters (cursor aside), counting at most `cap` + 1 rows
 * so that a broad filter over millions of events stays cheap.
 */
export async function countWebhookEventsCapped(
  db: Queryable,
  query: WebhookListQuery,
  cap = 10_000,
): Promise<CappedCount> {
  const limit = Math.max(0, Math.floor(cap));
  const where = filterConditions(query);
  return countCapped(db, webhookEvents, where, limit);
}

// ---------------------------------------------------------------------------------------
// One event

export interface WebhookEventPayment {
  id: string;
  status: PaymentStatus;
  amountMinor: bigint;
  currency: string;
  providerPaymentId: string | null;
  customerId: string;
  customerEmail: string;
  customerName: string;
  planName: string | null;
}

export interface WebhookEventDetail extends WebhookListRow {
  payload: unknown;
  sourceIp: string | null;
  /** The payment the event touched, as it is now; null when it touched none. */
  payment: WebhookEventPayment | null;
}

/** One stored event with its payload and the payment it touched; `not_found` otherwise. */
export async function getWebhookEvent(db: Queryable, id: string): Promise<WebhookEventDetail> {
  if (!isUuid(id)) throw ServiceError.notFound(`No webhook event with id ${id}`);
  const [row] = await db
    .select({ ...rowColumns, payload: webhookEvents.payload, sourceIp: webhookEvents.sourceIp })
    .from(webhookEvents)
    .where(eq(webhookEvents.id, id.toLowerCase()));
  if (!row) throw ServiceError.notFound(`No webhook event with id ${id}`);
  let payment: WebhookEventPayment | null = null;
  if (row.paymentId) {
    const [found] = await db
      .select({
        id: payments.id,
        status: payments.status,
        amountMinor: payments.amountMinor,
        currency: payments.currency,
        providerPaymentId: payments.providerPaymentId,
        customerId: customers.id,
        customerEmail: customers.email,
        customerName: customers.name,
        planName: plans.name,
      })
      .from(payments)
      .innerJoin(customers, eq(customers.id, payments.customerId))
      .leftJoin(plans, eq(plans.id, payments.planId))
      .where(eq(payments.id, row.paymentId));
    payment = found ?? null;
  }
  return { ...(row as WebhookListRow & { payload: unknown; sourceIp: string | null }), payment };
}
