import { AUDIT_CSV_COLUMNS, type AuditCsvColumn, type CsvCell, restoreCell } from "./csv";
import { type HashableEntry, hashEntry } from "./hash";

/**
 * Checks an audit CSV export (lib/audit/csv.ts) without the database: every row's hash is
 * recomputed from its own cells, and wherever the file holds two consecutive entries of one
 * chain, the later one's `prev_hash` must be the earlier one's `hash`.
 *
 * Input: the file parsed into rows of cells, header row first, NULL kept apart from the empty
 * string. With csv-parse:
 *
 *   parse(text, { cast: auditCsvCast })   // auditCsvCast from lib/audit/csv.ts
 *
 * How a row maps back to the stored entry: remove one leading `'` from every cell that starts
 * with one (formula neutralisation); an unquoted empty cell is NULL; `occurred_at` is read as an
 * instant, `chain_seq` as an integer, `before` / `after` as JSON; then `hashEntry` (hash.ts)
 * over those values must give `hash`.
 *
 * A filtered export may leave gaps in a chain (entries it did not select): such a link is not
 * checkable from the file alone, but each row's own hash still is, and it covers `prev_hash`.
 */

export interface ExportProblem {
  /** 1-based record number in the file; the header is record 1. */
  record: number;
  id: string | null;
  problem: string;
}

export interface ExportVerifyResult {
  ok: boolean;
  /** Entry rows read (the header not counted). */
  rows: number;
  /** Rows whose hash matched their content. */
  hashesVerified: number;
  /** prev_hash links checked between consecutive entries of a chain present in the file. */
  linksChecked: number;
  problems: ExportProblem[];
}

export interface ExportedEntry {
  entry: HashableEntry;
  hash: string;
}

const REQUIRED: readonly AuditCsvColumn[] = [
  "id",
  "occurred_at",
  "actor_type",
  "actor_id",
  "via",
  "action",
  "entity_type",
  "entity_id",
  "chain_key",
  "chain_seq",
  "hash",
];

/** The stored entry a data row stands for; throws with a readable reason when it cannot be one. */
export function entryFromCsvRow(row: readonly CsvCell[]): ExportedEntry {
  if (row.length !== AUDIT_CSV_COLUMNS.length) {
    throw new Error(`has ${row.length} cells, expected ${AUDIT_CSV_COLUMNS.length}`);
  }
  const cells = new Map<AuditCsvColumn, string | null>(
    AUDIT_CSV_COLUMNS.map((column, i) => {
      const cell = row[i] ?? null;
      return [column, cell === null ? null : restoreCell(cell)];
    }),
  );
  for (const column of REQUIRED) {
    if (cells.get(column) === null) throw new Error(`${column} is empty`);
  }
  const text = (column: AuditCsvColumn): string | null => cells.get(column) ?? null;
  const required = (column: AuditCsvColumn): string => text(column) as string;

  const occurredAtText = required("occurred_at");
  const occurredAt = new Date(occurredAtText);
  if (Number.isNaN(occurredAt.getTime()) || occurredAt.toISOString() !== occurredAtText) {
    throw new Error(`occurred_at "${occurredAtText}" is not an ISO 8601 UTC timestamp with milliseconds`);
  }
  const seqText = required("chain_seq");
  if (!/^[1-9]\d{0,9}$/.test(seqText)) throw new Error(`chain_seq "${seqText}" is not a positive integer`);

  const json = (column: "before" | "after"): unknown => {
    const value = text(column);
    if (value === null) return null;
    try {
      return JSON.parse(value);
    } catch {
      throw new Error(`${column} is not JSON`);
    }
  };

  return {
    entry: {
      id: required("id"),
      occurredAt,
      actorType: required("actor_type"),
      actorId: required("actor_id"),
      actorEmail: text("actor_email"),
      actorRole: text("actor_role"),
      via: required("via"),
      action: required("action"),
      entityType: required("entity_type"),
      entityId: required("entity_id"),
      before: json("before"),
      after: json("after"),
      reason: text("reason"),
      requestId: text("request_id"),
      ip: text("ip"),
      userAgent: text("user_agent"),
      chainKey: required("chain_key"),
      chainSeq: Number(seqText),
      prevHash: text("prev_hash"),
    },
    hash: required("hash"),
  };
}

/** Verifies a parsed export (header row first); see the module comment for the rules. */
export function verifyAuditExport(rows: readonly (readonly CsvCell[])[]): ExportVerifyResult {
  const problems: ExportProblem[] = [];
  const result = (hashesVerified: number, linksChecked: number): ExportVerifyResult => ({
    ok: problems.length === 0,
    rows: Math.max(rows.length - 1, 0),
    hashesVerified,
    linksChecked,
    problems,
  });

  const header = rows[0];
  if (
    !header ||
    header.length !== AUDIT_CSV_COLUMNS.length ||
    header.some((h, i) => h !== AUDIT_CSV_COLUMNS[i])
  ) {
    problems.push({ record: 1, id: null, problem: `header is not ${AUDIT_CSV_COLUMNS.join(",")}` });
    return result(0, 0);
  }

  let hashesVerified = 0;
  // chain key → position → the entry at it (and where it was in the file)
  const chains = new Map<
    string,
    Map<number, { record: number; id: string; hash: string; prevHash: string | null }>
  >();
  for (let i = 1; i < rows.length; i++) {
    const record = i + 1;
    let parsed: ExportedEntry;
    try {
      parsed = entryFromCsvRow(rows[i]!);
    } catch (err) {
      problems.push({ record, id: rows[i]?.[0] ?? null, problem: (err as Error).message });
      continue;
    }
    const { entry, hash } = parsed;
    if (hashEntry(entry) === hash) hashesVerified++;
    else problems.push({ record, id: entry.id, problem: "its content does not match its hash (altered)" });

    let chain = chains.get(entry.chainKey);
    if (!chain) {
      chain = new Map();
      chains.set(entry.chainKey, chain);
    }
    const seen = chain.get(entry.chainSeq);
    if (seen) {
      problems.push({
        record,
        id: entry.id,
        problem: `${entry.chainKey} #${entry.chainSeq} also appears in record ${seen.record}`,
      });
      continue;
    }
    chain.set(entry.chainSeq, { record, id: entry.id, hash, prevHash: entry.prevHash });
  }

  let linksChecked = 0;
  for (const [chainKey, chain] of chains) {
    for (const [seq, at] of chain) {
      if (seq === 1) {
        if (at.prevHash !== null) {
          problems.push({
            record: at.record,
            id: at.id,
            problem: `first entry of ${chainKey} has a prev_hash`,
          });
        }
        continue;
      }
      const previous = chain.get(seq - 1);
      if (!previous) continue;
      linksChecked++;
      if (at.prevHash !== previous.hash) {
        problems.push({
          record: at.record,
          id: at.id,
          problem: `its prev_hash does not match the hash of ${chainKey} #${seq - 1} (record ${previous.record})`,
        });
      }
    }
  }
  problems.sort((a, b) => a.record - b.record);
  return result(hashesVerified, linksChecked);
}
