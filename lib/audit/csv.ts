import canonicalize from "canonicalize";
import { type Options, stringify } from "csv-stringify/sync";
import type { AuditRow } from "@/db/schema";

/**
 * The audit log as CSV: UTF-8, RFC 4180 (CRLF after every record, the header included;
 * fields holding a comma, a quote, CR or LF are quoted, quotes doubled), one header row.
 *
 * Two conventions on top of RFC 4180 make the file exact, so each row's `hash` can be
 * recomputed from its other cells (lib/audit/verify-export.ts does it):
 *
 * - NULL and the empty string differ: NULL is an empty, unquoted field; the empty string is
 *   a quoted empty field (`""`). Read with csv-parse, `auditCsvCast` turns them back.
 * - Formula neutralisation (OWASP "CSV injection"): a cell whose text starts with `=`, `+`,
 *   `-`, `@`, tab or carriage return, or with their full-width forms (`＝ ＋ － ＠`, which some
 *   spreadsheets fold into the ASCII ones), gets a `'` in front, so a spreadsheet shows it as
 *   text instead of running it. A cell that already starts with `'` gets one too; that is what
 *   makes the rule reversible: **every cell that starts with `'` had exactly one `'` added, and
 *   removing that one character gives the stored value back**. No other cell is changed.
 *
 * Cells hold the stored values exactly: `occurred_at` as `Date.toISOString()` (UTC, `Z`,
 * milliseconds: the column's precision and the form the hash covers), `chain_seq` in decimal,
 * `before` / `after` as RFC 8785 canonical JSON (the serialisation hash.ts hashes), text as is.
 */
export const AUDIT_CSV_COLUMNS = [
  "id",
  "occurred_at",
  "actor_type",
  "actor_id",
  "actor_email",
  "actor_role",
  "via",
  "action",
  "entity_type",
  "entity_id",
  "before",
  "after",
  "reason",
  "request_id",
  "ip",
  "user_agent",
  "chain_key",
  "chain_seq",
  "prev_hash",
  "hash",
] as const;

export type AuditCsvColumn = (typeof AUDIT_CSV_COLUMNS)[number];

/** A CSV cell before encoding: null is SQL NULL. */
export type CsvCell = string | null;

const NEEDS_NEUTRALISING = new Set([
  "=",
  "+",
  "-",
  "@",
  "\t",
  "\r",
  "\uFF1D",
  "\uFF0B",
  "\uFF0D",
  "\uFF20",
  "'",
]);

/** The cell as written: `'` in front of anything a spreadsheet could run (and of a leading `'`). */
export function neutraliseCell(value: string): string {
  return value.length > 0 && NEEDS_NEUTRALISING.has(value[0]!) ? `'${value}` : value;
}

/** The stored value of a cell read back from an export: the inverse of `neutraliseCell`. */
export function restoreCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value;
}

/** Whether a written cell could start a formula in a spreadsheet (never true for our output). */
export function startsDangerously(cell: string): boolean {
  return cell.length > 0 && cell[0] !== "'" && NEEDS_NEUTRALISING.has(cell[0]!);
}

const STRINGIFY_OPTIONS: Options = {
  record_delimiter: "\r\n",
  // csv-stringify stops quoting bare CR and LF once a record delimiter is set explicitly;
  // RFC 4180 (and every reader) needs them quoted.
  quote_record_delimiter: true,
  // An empty string is quoted (`""`), NULL stays an empty field: the two must differ for the
  // hash to be recomputable.
  quoted_match: [/^$/],
  eof: true,
};

/**
 * Encodes records (and, when given, the header first) as CSV text, neutralising every cell.
 * Each record ends in CRLF, so batches encoded separately concatenate into one valid file.
 */
export function encodeCsv(records: readonly (readonly CsvCell[])[], header?: readonly string[]): string {
  const rows = records.map((record) => record.map((cell) => (cell === null ? null : neutraliseCell(cell))));
  const body = rows.length > 0 ? stringify(rows, STRINGIFY_OPTIONS) : "";
  return header ? stringify([header.map(neutraliseCell)], STRINGIFY_OPTIONS) + body : body;
}

/** Canonical JSON text of a jsonb value, or NULL: exactly what `hashEntry` hashes. */
export function canonicalJsonCell(value: unknown): CsvCell {
  if (value === null || value === undefined) return null;
  const text = canonicalize(value);
  if (text === undefined) throw new Error("audit entry holds a value JSON cannot represent");
  return text;
}

/** An audit row's cells in `AUDIT_CSV_COLUMNS` order (before neutralisation). */
export function auditRowCells(row: AuditRow): CsvCell[] {
  return [
    row.id,
    row.occurredAt.toISOString(),
    row.actorType,
    row.actorId,
    row.actorEmail,
    row.actorRole,
    row.via,
    row.action,
    row.entityType,
    row.entityId,
    canonicalJsonCell(row.before),
    canonicalJsonCell(row.after),
    row.reason,
    row.requestId,
    row.ip,
    row.userAgent,
    row.chainKey,
    String(row.chainSeq),
    row.prevHash,
    row.hash,
  ];
}

/** Audit rows as CSV text, with the header row when `header` is set. */
export function encodeAuditCsv(rows: readonly AuditRow[], options: { header: boolean }): string {
  return encodeCsv(rows.map(auditRowCells), options.header ? AUDIT_CSV_COLUMNS : undefined);
}

/**
 * The csv-parse `cast` that reads an export back exactly: an unquoted empty field is NULL, a
 * quoted one the empty string; every other cell stays text (neutralisation is undone by
 * `restoreCell`, in lib/audit/verify-export.ts). Use with `parse(text, { cast: auditCsvCast })`.
 */
export function auditCsvCast(value: string, context: { quoting: boolean }): CsvCell {
  return value === "" && !context.quoting ? null : value;
}
