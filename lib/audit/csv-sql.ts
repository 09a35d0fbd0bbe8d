import { type SQL, sql } from "drizzle-orm";
import { auditLog } from "@/db/schema";
import { AUDIT_CSV_COLUMNS, type AuditCsvColumn } from "./csv";

/**
 * The export's CSV records, encoded by the database itself.
 *
 * Why in SQL: encoding a million rows in JavaScript (driver row mapping, canonical JSON,
 * csv-stringify) cost ~140 µs of server CPU per row, 0.06× the throughput of `psql \copy`. The
 * database formats text in C, and hands over one string per batch.
 *
 * The rules are exactly `encodeCsv`'s (lib/audit/csv.ts), which the unit tests pin down:
 *   NULL → empty field; a cell starting with = + - @ TAB CR, their full-width forms or `'` gets
 *   one `'` in front (formula neutralisation, reversible); a cell that is empty or holds `"`,
 *   `,`, CR or LF is quoted with `"` doubled; every record ends in CRLF.
 * The one difference: `before` / `after` are the database's own JSON text (`jsonb::text`) rather
 * than RFC 8785 canonical JSON. Both parse to the same value, and the hash is computed over the
 * parsed value (lib/audit/verify-export.ts), so a file verifies the same either way.
 */

const NEUTRALISED_FIRST = sql.raw(
  ["=", "+", "-", "@", "chr(9)", "chr(13)", "chr(65309)", "chr(65291)", "chr(65293)", "chr(65312)", "''''"]
    .map((c) => (c.startsWith("chr(") || c === "''''" ? c : `'${c}'`))
    .join(", "),
);

/** `text` with the formula neutralisation applied: one `'` in front of a dangerous first character. */
function neutralisedText(text: SQL): SQL {
  return sql`(case when left(${text}, 1) in (${NEUTRALISED_FIRST}) then '''' || ${text} else ${text} end)`;
}

/** One field, `text` being an SQL text expression that may be NULL. */
export function csvField(text: SQL): SQL {
  const neutralised = neutralisedText(text);
  // The `'` added by neutralisation is never special to CSV, so whether to quote can be read
  // off the stored text itself.
  return sql`(case
    when ${text} is null then ''
    when ${text} = '' or strpos(${text}, '"') > 0 or strpos(${text}, ',') > 0
      or strpos(${text}, chr(13)) > 0 or strpos(${text}, chr(10)) > 0
      then '"' || replace(${neutralised}, '"', '""') || '"'
    else ${neutralised}
  end)`;
}

/** Milliseconds and `Z`: exactly `Date.prototype.toISOString()`, which the hash covers. */
const isoUtc = (column: SQL | typeof auditLog.occurredAt) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const CELL_TEXT: Record<AuditCsvColumn, SQL> = {
  id: sql`${auditLog.id}::text`,
  occurred_at: isoUtc(auditLog.occurredAt),
  actor_type: sql`${auditLog.actorType}`,
  actor_id: sql`${auditLog.actorId}`,
  actor_email: sql`${auditLog.actorEmail}`,
  actor_role: sql`${auditLog.actorRole}`,
  via: sql`${auditLog.via}`,
  action: sql`${auditLog.action}`,
  entity_type: sql`${auditLog.entityType}`,
  entity_id: sql`${auditLog.entityId}`,
  before: sql`${auditLog.before}::text`,
  after: sql`${auditLog.after}::text`,
  reason: sql`${auditLog.reason}`,
  request_id: sql`${auditLog.requestId}`,
  ip: sql`${auditLog.ip}`,
  user_agent: sql`${auditLog.userAgent}`,
  chain_key: sql`${auditLog.chainKey}`,
  chain_seq: sql`${auditLog.chainSeq}::text`,
  prev_hash: sql`${auditLog.prevHash}`,
  hash: sql`${auditLog.hash}`,
};

/** The cells' texts, each computed once per row (c0 … c19, in `AUDIT_CSV_COLUMNS` order). */
const CELL_COLUMNS: SQL = sql.join(
  AUDIT_CSV_COLUMNS.map((column, i) => sql`${CELL_TEXT[column]} as ${sql.identifier(`c${i}`)}`),
  sql`, `,
);

/** One audit row as a complete CSV record (CRLF included), over the `cells` columns. */
const RECORD: SQL = sql`(${sql.join(
  AUDIT_CSV_COLUMNS.map((_, i) => csvField(sql.identifier(`c${i}`) as unknown as SQL)),
  sql` || ',' || `,
)} || chr(13) || chr(10))`;

export interface EncodedBatch {
  /** The batch's records, concatenated. */
  csv: string;
  rows: number;
  /** Keyset position of the batch's last row (ISO instant, id), or null when it was empty. */
  last: { occurredAt: string; id: string } | null;
}

/**
 * The next `limit` entries after `after` (oldest first, by occurred_at then id) matching
 * `where`, encoded and aggregated into one string by the database: one result row per batch.
 */
export function auditCsvBatchSql(
  where: SQL | undefined,
  after: { occurredAt: string; id: string } | null,
  limit: number,
): SQL {
  const position = after
    ? sql`(${auditLog.occurredAt}, ${auditLog.id}) > (${after.occurredAt}::timestamptz, ${after.id}::uuid)`
    : undefined;
  const conditions = [where, position].filter((c): c is SQL => c !== undefined);
  const whereClause = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  // The page is chosen first (an index range scan that stops at `limit`); then each cell's text
  // is computed once per row (materialised, so the planner cannot fold the casts back into the
  // many places the quoting rules look at them); then the records are joined into one string.
  // `cells` names the page "audit_log" so the column expressions resolve to its rows.
  return sql`with page as (
      select * from ${auditLog}
      ${whereClause}
      -- NULLS FIRST: the backward scan of the (occurred_at desc nulls last, id desc nulls last)
      -- index gives exactly this order; without it the planner sorts the whole range.
      order by ${auditLog.occurredAt} asc nulls first, ${auditLog.id} asc nulls first
      limit ${limit}
    ), cells as materialized (
      select ${auditLog.occurredAt} as occurred_at, ${auditLog.id} as id, ${CELL_COLUMNS}
      from page as ${auditLog}
    )
    select coalesce(string_agg(${RECORD}, '' order by occurred_at, id), '') as csv,
      count(*)::int as rows,
      ${isoUtc(sql`max(occurred_at)`)} as last_at,
      ((array_agg(id order by occurred_at desc, id desc))[1])::text as last_id
    from cells`;
}

/**
 * Every entry matching `where`, oldest first, as one statement for PostgreSQL's COPY in its own
 * CSV format. Only the neutralisation is done here; COPY's encoder, written in C, does the rest,
 * and its rules are `csvField`'s: NULL is an empty unquoted field, the empty string `""`, a value
 * holding `"`, `,`, CR or LF is quoted with `"` doubled. The one difference, LF after each record
 * where the file has CRLF, is mended as the bytes pass (lib/audit/csv-record-ends.ts).
 */
export function auditCsvCopySql(where: SQL | undefined): SQL {
  const whereClause = where ? sql`where ${where}` : sql``;
  // The inner query picks and orders the rows (a scan of the occurred_at index, as the batches
  // do) and computes each cell's text once; `offset 0` keeps the planner from folding it into
  // the outer query, which would compute the casts again where the neutralisation reads them.
  // The outer order repeats the inner one, which the planner satisfies without a sort.
  const fields = sql.join(
    AUDIT_CSV_COLUMNS.map((_, i) => neutralisedText(sql.identifier(`c${i}`) as unknown as SQL)),
    sql`, `,
  );
  return sql`copy (
    select ${fields} from (
      select ${auditLog.occurredAt} as occurred_at, ${auditLog.id} as id, ${CELL_COLUMNS}
      from ${auditLog}
      ${whereClause}
      order by ${auditLog.occurredAt} asc nulls first, ${auditLog.id} asc nulls first
      offset 0
    ) as cells
    order by occurred_at asc nulls first, id asc nulls first
  ) to stdout with (format csv)`;
}
