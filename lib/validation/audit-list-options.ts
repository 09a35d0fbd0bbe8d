/**
 * The audit log list's fixed choices and the canonical forms of its typed filters, without zod:
 * the browser's toolbar judges what a person types with the same rules the server parses the URL
 * with (lib/validation/audit-list.ts), and must not load the schema library to do it.
 */
import { isIsoDay, isStorableText, isUuid } from "./shapes";

export const auditListSizes = [25, 50, 100] as const;
export type AuditListSize = (typeof auditListSizes)[number];

export const AUDIT_LIST_DEFAULTS = { size: 25 } as const;

/** At most this many actions in one filter; a longer list is junk (there are not that many). */
export const AUDIT_ACTIONS_MAX = 30;
const MAX_ENTITY_ID_LENGTH = 200;
const MAX_EMAIL_LENGTH = 254;

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

const SYSTEM_ACTOR_SHAPE = /^system:[a-z0-9][a-z0-9_.-]{0,63}$/;
// Deliberately loose (the filter only ever compares): one @, no spaces, something on each side.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** An actor filter in canonical (lower-case) form, or null when it is none of the three forms. */
export function canonicalActor(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  if (isUuid(v) || SYSTEM_ACTOR_SHAPE.test(v)) return v;
  if (v.length <= MAX_EMAIL_LENGTH && EMAIL_SHAPE.test(v) && isStorableText(v)) return v;
  return null;
}

/** An entity id filter: exact, a uuid lower-cased; null when it is too long or not storable text. */
export function canonicalEntityId(raw: string): string | null {
  const v = raw.trim();
  if (!v || v.length > MAX_ENTITY_ID_LENGTH || !isStorableText(v)) return null;
  return isUuid(v) ? v.toLowerCase() : v;
}

const ACTION_SHAPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,3}$/;
/** Whether a string looks like an audit action name (`payment.refund`, `staff.sign_in_failed`). */
export const isAuditActionName = (s: string) => s.length <= 64 && ACTION_SHAPE.test(s);
