import { and, eq, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import { type CappedCount, countCapped } from "@/db/capped-count";
import type { Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { auditLog, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { roleCan } from "../auth/permissions";
import { decodeCursorPayload, encodeCursorPayload, isIsoMillis } from "../pagination/cursor";
import { type AuditListQuery, auditActorFilter, auditTimeRange } from "../validation/audit-list";
import { isUuid } from "../validation/common";

/**
 * The audit log list: filters from the URL (lib/validation/audit-list.ts), the reader's
 * visibility, keyset pagination on (occurred_at desc, id desc) and a capped count. The
 * indexes (db/schema/audit.ts) all end in (occurred_at desc, id desc), so each filter reads
 * its rows in page order and a page costs the same however deep it lies:
 *   audit_log_occurred_idx      (occurred_at, id)                      no filter, time range
 *   audit_log_actor_idx         (actor_id, occurred_at, id)            actor id, support's own entries
 *   audit_log_actor_action_idx  (actor_id, action, occurred_at, id)    actor id + action
 *   audit_log_actor_email_idx   (lower(actor_email), occurred_at, id)  actor by email
 *   audit_log_action_idx        (action, occurred_at, id)              action(s)
 *   audit_log_entity_idx        (entity_type, entity_id, occurred_at, id)  entity
 */

/** Who is reading: the visibility rule depends on what their role may see. */
export interface AuditViewer {
  id: string;
  role: StaffRole;
}

export interface AuditListRow {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string;
  actorEmail: string | null;
  actorRole: string | null;
  via: string;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  /** The client's own X-Request-Id, never trusted as ours (lib/auth/request.ts). */
  clientRequestId?: string | null;
  ip: string | null;
  userAgent: string | null;
  chainKey: string;
  chainSeq: number;
  prevHash: string | null;
  hash: string;
}

export interface AuditListPage {
  rows: AuditListRow[];
  /** Cursor of the page after this one (use without `back`); null on the last page. */
  nextCursor: string | null;
  /** Cursor of the page before this one (use with `back=1`); null on the first page. */
  prevCursor: string | null;
}

// ---------------------------------------------------------------------------------------
// Visibility and filters

/** Whether the viewer sees every entry (`audit.view`) or only their own (`audit.view_own`). */
export function auditScope(viewer: Pick<AuditViewer, "role">): "all" | "own" | "none" {
  if (roleCan(viewer.role, "audit.view")) return "all";
  if (roleCan(viewer.role, "audit.view_own")) return "own";
  return "none";
}

/** The entries the viewer may see at all, whatever they filter by; undefined when that is all of them. */
export function auditVisibilityCondition(viewer: AuditViewer): SQL | undefined {
  switch (auditScope(viewer)) {
    case "all":
      return undefined;
    case "own":
      return and(eq(auditLog.actorType, "staff"), eq(auditLog.actorId, viewer.id.toLowerCase()));
    default:
      return sql`false`;
  }
}

/**
 * The WHERE conditions (to be AND-ed) for the query's filters plus the viewer's visibility,
 * without the page position: the page, the count and the CSV export all start from these.
 */
export function auditListConditions(query: AuditListQuery, viewer: AuditViewer): SQL[] {
  const where: SQL[] = [];
  const visible = auditVisibilityCondition(viewer);
  if (visible) where.push(visible);

  const { from, to } = auditTimeRange(query);
  if (from) where.push(gte(auditLog.occurredAt, from));
  if (to) where.push(to.inclusive ? lte(auditLog.occurredAt, to.at) : lt(auditLog.occurredAt, to.at));

  if (query.actor) {
    const actor = auditActorFilter(query.actor);
    if (actor.kind === "email") {
      // Spelled exactly like the expression of audit_log_actor_email_idx.
      where.push(sql`lower(${auditLog.actorEmail}) = ${actor.email.toLowerCase()}`);
    } else {
      where.push(eq(auditLog.actorType, actor.kind), eq(auditLog.actorId, actor.id));
    }
  }
  if (query.action.length === 1) where.push(eq(auditLog.action, query.action[0]!));
  else if (query.action.length > 1) where.push(inArray(auditLog.action, query.action));
  if (query.entityType) where.push(eq(auditLog.entityType, query.entityType));
  if (query.entityId) where.push(eq(auditLog.entityId, query.entityId));
  return where;
}

// ---------------------------------------------------------------------------------------
// Cursor: base64url JSON of the boundary row's time and id.

interface CursorPosition {
  at: string;
  id: string;
}

export function encodeAuditCursor(row: Pick<AuditListRow, "occurredAt" | "id">): string {
  return encodeCursorPayload({ t: row.occurredAt.toISOString(), id: row.id });
}

/** The position a cursor names, or null for anything malformed or tampered with. */
export function decodeAuditCursor(cursor: string | null): CursorPosition | null {
  const payload = decodeCursorPayload(cursor);
  if (!payload) return null;
  const { t, id } = payload;
  if (typeof t !== "string" || typeof id !== "string" || !isUuid(id) || !isIsoMillis(t)) return null;
  return { at: t, id: id.toLowerCase() };
}

// ---------------------------------------------------------------------------------------
// Queries

/**
 * ORDER BY spelled like the indexes (`desc nulls last`): the planner matches NULLS placement
 * literally, even on NOT NULL columns. Ascending reads the same indexes backwards.
 */
function orderBy(descending: boolean): SQL[] {
  return descending
    ? [sql`${auditLog.occurredAt} desc nulls last`, sql`${auditLog.id} desc nulls last`]
    : [sql`${auditLog.occurredAt} asc nulls first`, sql`${auditLog.id} asc nulls first`];
}

async function fetchRows(
  db: Queryable,
  conditions: readonly SQL[],
  position: CursorPosition | null,
  descending: boolean,
  limit: number,
): Promise<AuditListRow[]> {
  const where = [...conditions];
  if (position) {
    const boundary = sql`(${position.at}::timestamptz, ${position.id}::uuid)`;
    where.push(
      descending
        ? sql`(${auditLog.occurredAt}, ${auditLog.id}) < ${boundary}`
        : sql`(${auditLog.occurredAt}, ${auditLog.id}) > ${boundary}`,
    );
  }
  return db
    .select()
    .from(auditLog)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...orderBy(descending))
    .limit(limit);
}

/**
 * The app's PostgreSQL client runs every statement as a named prepared statement, and after five
 * executions PostgreSQL may switch to a generic plan, made without the parameter values. Which
 * index is right depends on them: `action = $1` matches half the log or nothing, an actor has ten
 * entries or a million. Measured on 1M entries, the generic plans of the capped count scanned the
 * whole table (~3 s) where the custom plan reads an index (<10 ms). So the list's statements run
 * in a transaction that asks for plans made with the actual values (local to that transaction).
 */
export function withCustomPlans<T>(db: Queryable, run: (db: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return run(tx);
  });
}

/**
 * One page of entries, newest first. Forward pages (no `back`) hold the entries after `cursor`;
 * backward pages (`back`) the entries before it, read in reverse and turned round. A cursor that
 * does not decode is ignored: the first page is returned.
 */
export function listAuditPage(
  db: Queryable,
  query: AuditListQuery,
  viewer: AuditViewer,
): Promise<AuditListPage> {
  return withCustomPlans(db, (tx) => pageOf(tx, query, viewer));
}

async function pageOf(db: Queryable, query: AuditListQuery, viewer: AuditViewer): Promise<AuditListPage> {
  const conditions = auditListConditions(query, viewer);
  const size = query.size;
  const position = decodeAuditCursor(query.cursor);

  if (position && query.back) {
    const fetched = await fetchRows(db, conditions, position, false, size + 1);
    if (fetched.length > size) {
      const rows = fetched.slice(0, size).reverse();
      return {
        rows,
        prevCursor: encodeAuditCursor(rows[0]!),
        nextCursor: encodeAuditCursor(rows[rows.length - 1]!),
      };
    }
    // Less than a page lies before the cursor: that is the first page, shown full.
  }
  if (!position || query.back) {
    const fetched = await fetchRows(db, conditions, null, true, size + 1);
    const rows = fetched.slice(0, size);
    return {
      rows,
      nextCursor: fetched.length > size ? encodeAuditCursor(rows[rows.length - 1]!) : null,
      prevCursor: null,
    };
  }

  const fetched = await fetchRows(db, conditions, position, true, size + 1);
  const rows = fetched.slice(0, size);
  return {
    rows,
    nextCursor: fetched.length > size ? encodeAuditCursor(rows[rows.length - 1]!) : null,
    prevCursor: rows.length > 0 ? encodeAuditCursor(rows[0]!) : null,
  };
}

/**
 * How many entries the viewer may see that match the filters (cursor aside), counting at most
 * `cap` + 1 rows so that a broad filter over millions of entries stays cheap.
 */
export function countAuditCapped(
  db: Queryable,
  query: AuditListQuery,
  viewer: AuditViewer,
  cap = 10_000,
): Promise<CappedCount> {
  const limit = Math.max(0, Math.floor(cap));
  return withCustomPlans(db, (tx) => countOf(tx, query, viewer, limit));
}

async function countOf(
  db: Queryable,
  query: AuditListQuery,
  viewer: AuditViewer,
  limit: number,
): Promise<CappedCount> {
  const where = auditListConditions(query, viewer);
  return countCapped(db, auditLog, where, limit);
}

// ---------------------------------------------------------------------------------------
// Filter choices

/**
 * The distinct action names in the log, for the action filter. A loose index scan (a recursive
 * CTE hopping through audit_log_action_idx from one name to the next), so it reads one index
 * entry per distinct action instead of the whole table.
 */
export async function listAuditActions(db: Queryable): Promise<string[]> {
  const rows = await queryRows<{ action: string }>(
    db,
    sql`
    with recursive names(action) as (
      (select action from audit_log order by action limit 1)
      union all
      select (select a.action from audit_log a where a.action > names.action order by a.action limit 1)
      from names where names.action is not null
    )
    select action from names where action is not null`,
  );
  return rows.map((r) => r.action);
}

/** The distinct entity types in the log (same loose scan, over audit_log_entity_idx). */
export async function listAuditEntityTypes(db: Queryable): Promise<string[]> {
  const rows = await queryRows<{ entity_type: string }>(
    db,
    sql`
    with recursive types(entity_type) as (
      (select entity_type from audit_log order by entity_type limit 1)
      union all
      select (select a.entity_type from audit_log a where a.entity_type > types.entity_type
              order by a.entity_type limit 1)
      from types where types.entity_type is not null
    )
    select entity_type from types where entity_type is not null`,
  );
  return rows.map((r) => r.entity_type);
}

export interface AuditActorChoice {
  /** The `actor` filter value: a staff email, or a system actor's id. */
  value: string;
  label: string;
}

/**
 * Who can appear as an actor, for the actor filter's suggestions: every staff account (a small
 * table) and the system actors found in the log (a loose scan of audit_log_actor_idx: one index
 * probe per distinct actor, of which there are as many as staff accounts plus a few systems;
 * a range on the `system:` prefix would depend on the collation's view of punctuation).
 */
export async function listAuditActors(db: Queryable): Promise<AuditActorChoice[]> {
  const [people, systems] = await Promise.all([
    db
      .select({ email: staffUsers.email, role: staffUsers.role })
      .from(staffUsers)
      .orderBy(sql`lower(${staffUsers.email})`),
    queryRows<{ actor_id: string }>(
      db,
      sql`
      with recursive ids(actor_id) as (
        (select actor_id from audit_log order by actor_id limit 1)
        union all
        select (select a.actor_id from audit_log a where a.actor_id > ids.actor_id order by a.actor_id limit 1)
        from ids where ids.actor_id is not null
      )
      select actor_id from ids where actor_id like 'system:%' order by actor_id`,
    ),
  ]);
  return [
    ...people.map((p) => ({ value: p.email.toLowerCase(), label: `${p.email} (${p.role})` })),
    ...systems.map((s) => ({ value: s.actor_id, label: s.actor_id })),
  ];
}
