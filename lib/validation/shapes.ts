/**
 * Shapes of values, without zod: the browser checks typed filters with the same rules the server
 * parses them with, and must not load a schema library to do it.
 */

/**
 * Text Postgres stores exactly as given: no NUL (text cannot hold it) and no lone UTF-16
 * surrogate (the driver would store U+FFFD instead, and the audit hash would no longer match).
 */
export const isStorableText = (s: string) => !s.includes("\u0000") && s.isWellFormed();

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether a string can be looked up in a uuid column (anything else would be a database error). */
export const isUuid = (s: string) => UUID_SHAPE.test(s);

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
