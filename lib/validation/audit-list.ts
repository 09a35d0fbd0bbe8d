import { z } from "zod";
import { isStorableText, isUuid } from "./common";
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

export const auditListSizes = [25, 50, 100] as const;
export type AuditListSize = (typeof auditListSizes)[number];

export const AUDIT_LIST_DEFAULTS = { size: 25 } as const;

/** At most this many actions in one filter; a longer list is junk (there are not that many). */
export const AUDIT_ACTIONS_MAX = 30;
const MAX_ENTITY_ID_LENGTH = 200;
const MAX_EMAIL_LENGTH = 254;

export type AuditListSearchParams = SearchParamsRecord;

// ---------------------------------------------------------------------------------------
// Time bounds

const TIMESTAMP_SHAPE =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO 8601 timestamp as an instant, or null. Stricter than `Date.parse`, which rolls
 * `02-30` over into March and reads a timestamp without offset in the server's zone.
 * Digits beyond milliseconds are cut (the log records milliseconds).
 */
export function parseIsoTimestamp(s: string): Date | null {
  // In a URL a `+` the sender did not encode arrives as a space: `…T10:00:00 03:00`.
  const m = TIMESTAMP_SHAPE.exec(
    s.replace(/(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$/, "$1+$2"),
  );
  if (!m) return null;
  const [, day = "", hh = "", mm = "", ss = "00", fraction = "", zone = "Z"] = m;
  if (!isIsoDay(day) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return null;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const ms = fraction.padEnd(3, "0").slice(0, 3);
  const utc = Date.parse(`${day}T${hh}:${mm}:${ss}.${ms}Z`);
  if (Number.isNaN(utc)) return null;
  const t = new Date(utc - offsetMinutes * 60_000);
  const year = t.getUTCFullYear();
  return year >= 1900 && year <= 9998 ? t : null;
}

/** A `from`/`to` value in canonical form (a day stays a day, a timestamp becomes UTC ISO), or null. */
export function canonicalTimeBound(raw: string): string | null {
  const v = raw.trim();
  if (isIsoDay(v)) return v;
  return parseIsoTimestamp(v)?.toISOString() ?? null;
}

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

const SYSTEM_ACTOR_SHAPE = /^system:[a-z0-9][a-z0-9_.-]{0,63}$/;
// Deliberately loose (the filter only ever compares): one @, no spaces, something on each side.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

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

/** An actor filter in canonical (lower-case) form, or null when it is none of the three forms. */
export function canonicalActor(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  if (isUuid(v) || SYSTEM_ACTOR_SHAPE.test(v)) return v;
  if (v.length <= MAX_EMAIL_LENGTH && EMAIL_SHAPE.test(v) && isStorableText(v)) return v;
  return null;
}

const actor = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw);
  return v ? canonicalActor(v) : null;
});

const ACTION_SHAPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,3}$/;
/** Whether a string looks like an audit action name (`payment.refund`, `staff.sign_in_failed`). */
export const isAuditActionName = (s: string) => s.length <= 64 && ACTION_SHAPE.test(s);

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
  const v = firstValue(raw)?.trim();
  if (!v || v.length > MAX_ENTITY_ID_LENGTH || !isStorableText(v)) return null;
  return isUuid(v) ? v.toLowerCase() : v;
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
