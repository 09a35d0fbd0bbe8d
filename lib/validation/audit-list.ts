import { z } from "zod";
import {
  AUDIT_ACTIONS_MAX,
  AUDIT_LIST_DEFAULTS,
  type AuditListSize,
  auditListSizes,
  canonicalActor,
  canonicalEntityId,
  canonicalTimeBound,
  isAuditActionName,
} from "./audit-list-options";
import { isUuid } from "./common";
import {
  backFlag,
  cursorParam,
  firstValue,
  isIsoDay,
  listValues,
  oneOf,
  type SearchParamsRecord,
  searchParamsRecord,
} from "./url-state";

export * from "./audit-list-options";

/**
 * The audit log's state as it lives in the URL (`/audit?actor=…&action=payment.refund,…`), shared
 * by the page, `GET /audit/export` and `audit export` on the CLI.
 *
 * Parsing never fails: a shared link with one bad parameter must still render, so every invalid
 * value is dropped (or replaced by its default) instead of becoming an error.
 *
 * - `from` / `to`: a UTC day `YYYY-MM-DD` or an ISO 8601 timestamp. A day in `from` starts at its
 *   00:00 UTC; a day in `to` is inclusive (up to the next day's 00:00 UTC, exclusive). A timestamp
 *   is an exact bound, inclusive on both sides; one without an offset is read as UTC, and any
 *   timestamp is kept in its canonical UTC form (`2026-01-02T03:04:05.000Z`).
 * - `actor`: who did it, in one of three forms: a staff user's id (uuid), a system actor's id
 *   (`system:stripe`), or an email, matched case-insensitively against the email the entry
 *   recorded for its staff actor (what a person types). Kept lower-cased.
 * - `action`: comma-separated action names (`payment.refund,payment.status_change`), lower-cased,
 *   de-duplicated and sorted. Any name shaped like one is kept, known or not, so that a link to a
 *   new action keeps working.
 * - `entityType` (`payment`, `customer`, `staff`, …) and `entityId` (exact; a uuid is lower-cased).
 */

export type AuditListSearchParams = SearchParamsRecord;

// ---------------------------------------------------------------------------------------
// Time bounds

const DAY_MS = 86_400_000;

/**
 * The query's time range as instants: `from` inclusive, `to` exclusive when it was a day (the
 * next day's midnight) and inclusive when it was a timestamp.
 */
export function auditTimeRange(query: Pick<AuditListQuery, "from" | "to">): {
  from: Date | null;
  to: { at: Date; inclusive: boolean } | null;
} {
  const from = query.from === null ? null : toInstant(query.from);
  let to: { at: Date; inclusive: boolean } | null = null;
  if (query.to !== null) {
    to = isIsoDay(query.to)
      ? { at: new Date(Date.parse(`${query.to}T00:00:00.000Z`) + DAY_MS), inclusive: false }
      : { at: new Date(query.to), inclusive: true };
  }
  return { from, to };
}

function toInstant(bound: string): Date {
  return isIsoDay(bound) ? new Date(`${bound}T00:00:00.000Z`) : new Date(bound);
}

const timeBound = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw);
  return v ? canonicalTimeBound(v) : null;
});

// ---------------------------------------------------------------------------------------
// Actor, action, entity

export type AuditActorFilter =
  | { kind: "staff"; id: string }
  | { kind: "system"; id: string }
  | { kind: "email"; email: string };

/** Which of the three forms an (already canonical) `actor` value is. */
export function auditActorFilter(actor: string): AuditActorFilter {
  if (isUuid(actor)) return { kind: "staff", id: actor };
  if (actor.startsWith("system:")) return { kind: "system", id: actor };
  return { kind: "email", email: actor };
}

const actor = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw);
  return v ? canonicalActor(v) : null;
});

const actionList = z.unknown().transform((raw): string[] => {
  const names = new Set(listValues(raw).map((v) => v.toLowerCase()));
  const kept = [...names].filter(isAuditActionName).sort();
  return kept.length > AUDIT_ACTIONS_MAX ? [] : kept;
});

const ENTITY_TYPE_SHAPE = /^[a-z][a-z0-9_]{0,39}$/;

const entityType = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim().toLowerCase();
  return v && ENTITY_TYPE_SHAPE.test(v) ? v : null;
});

const entityId = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw);
  return v ? canonicalEntityId(v) : null;
});

export const auditListQuery = z
  .object({
    from: timeBound.default(null),
    to: timeBound.default(null),
    actor: actor.default(null),
    action: actionList.default(() => []),
    entityType: entityType.default(null),
    entityId: entityId.default(null),
    size: oneOf<AuditListSize>(auditListSizes, AUDIT_LIST_DEFAULTS.size).default(AUDIT_LIST_DEFAULTS.size),
    cursor: cursorParam.default(null),
    back: backFlag.default(false),
  })
  // Paging backwards means "the rows before this cursor": without a cursor it is the first page.
  .transform((q) => ({ ...q, back: q.back && q.cursor !== null }))
  .catch(() => defaultAuditQuery());

export type AuditListQuery = z.output<typeof auditListQuery>;

export function defaultAuditQuery(): AuditListQuery {
  return {
    from: null,
    to: null,
    actor: null,
    action: [],
    entityType: null,
    entityId: null,
    size: AUDIT_LIST_DEFAULTS.size,
    cursor: null,
    back: false,
  };
}

/**
 * Parses Next.js `searchParams` (a record) or a `URLSearchParams` (route handlers, the CLI)
 * into the audit list query; never throws.
 */
export function parseAuditListQuery(
  searchParams: AuditListSearchParams | URLSearchParams | undefined | null,
): AuditListQuery {
  const record = searchParams instanceof URLSearchParams ? searchParamsRecord(searchParams) : searchParams;
  return auditListQuery.parse(record ?? {});
}

/**
 * The URL form of a query: only values that differ from the defaults, in a fixed order, so that
 * `parseAuditListQuery(toAuditSearchParams(q))` gives `q` back.
 */
export function toAuditSearchParams(query: Partial<AuditListQuery>): URLSearchParams {
  const out = new URLSearchParams();
  const single = (key: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") out.set(key, value);
  };
  single("from", query.from);
  single("to", query.to);
  single("actor", query.actor);
  if (query.action && query.action.length > 0) out.set("action", query.action.join(","));
  single("entityType", query.entityType);
  single("entityId", query.entityId);
  if (query.size && query.size !== AUDIT_LIST_DEFAULTS.size) out.set("size", String(query.size));
  single("cursor", query.cursor);
  if (query.back && query.cursor) out.set("back", "1");
  return out;
}

/** The filters alone (no page position or size): what an export or a "clear paging" link keeps. */
export function auditFiltersOnly(query: AuditListQuery): AuditListQuery {
  return { ...query, size: AUDIT_LIST_DEFAULTS.size, cursor: null, back: false };
}
