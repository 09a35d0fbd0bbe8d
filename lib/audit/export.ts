import { and, lte, ne, type SQL, sql } from "drizzle-orm";
import { postgresUrlOf, type Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { auditLog } from "@/db/schema";
import { assertCan, nowOf, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { type AuditListQuery, auditFiltersOnly, toAuditSearchParams } from "../validation/audit-list";
import { appendAudit } from "./append";
import { AUDIT_CSV_COLUMNS, encodeCsv } from "./csv";
import { auditCsvBatchSql, type EncodedBatch } from "./csv-sql";
import { copyAuditRecords } from "./export-copy";

import { auditListConditions, withCustomPlans } from "./list";

/**
 * The audit log as a streamed CSV file (lib/audit/csv.ts), shared by `GET /audit/export` and
 * `audit export` on the CLI, which therefore write the same bytes for the same filters.
 *
 * - Rows: the /audit page's filters and the viewer's visibility (lib/audit/list.ts), oldest
 *   first by (occurred_at, id). On PostgreSQL one `COPY` on a connection of its own streams them
 *   (lib/audit/export-copy.ts); on PGlite, whose one connection everybody shares, they are read
 *   in keyset batches with no transaction held open. Either way memory stays flat however many
 *   rows match.
 * - The export is itself audited (`audit.export`, entity `audit_log` / `export:<request id>`,
 *   `after` = the filters, the viewer and the cut-off), in a transaction of its own that commits
 *   before the first byte, so it is on record whether or not the download completes.
 * - The file holds the entries that existed when the export began: `occurred_at` up to that
 *   instant (the export entry's own time). The export entry itself is left out, so the file
 *   never depends on itself. As there is no snapshot across batches, an entry whose transaction
 *   started before the export but commits during it may or may not be included.
 */

/**
 * Rows per query. Each batch arrives as one string of ~0.5 MB; larger ones left the driver's
 * receive buffers holding more than the memory bound the export promises (33 MB of array
 * buffers at 1,000 rows on PostgreSQL, 17 MB at 500), for no measurable gain in throughput.
 */
export const EXPORT_BATCH_SIZE = 500;

export interface AuditExportOptions {
  /** Rows per query of the keyset batches (default EXPORT_BATCH_SIZE). */
  batchSize?: number;
  /**
   * How rows are read: COPY on PostgreSQL (the default there), keyset batches on PGlite. Tests
   * ask for batches on PostgreSQL too, to hold the two to the same bytes.
   */
  method?: "copy" | "batches";
}

export interface AuditExport {
  /** The `audit.export` entry that records this export. */
  entryId: string;
  /** When the export began; the file holds entries up to this instant. */
  startedAt: Date;
  /** The filters applied (page position and size removed). */
  query: AuditListQuery;
  /** Entry rows produced so far. */
  readonly rowCount: number;
  /**
   * The file: the header row, then the records in chunks. Iterate once. Aborting `signal` stops
   * the database's work at once, even while a chunk is awaited (return() would wait for it).
   */
  chunks(signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined>;
}

/**
 * Checks the permission, records the export in the audit log (committed), and returns the
 * export, ready to be read. Nothing is read from the log until the caller pulls.
 */
export async function startAuditExport(
  ctx: ServiceContext,
  rawQuery: AuditListQuery,
  options: AuditExportOptions = {},
): Promise<AuditExport> {
  assertCan(ctx, "audit.export");
  const viewer = ctx.actor;
  if (viewer.type !== "staff") throw new ServiceError("forbidden", "Only staff may export the audit log");

  const query = auditFiltersOnly(rawQuery);
  const startedAt = nowOf(ctx);
  const requestId = ctx.requestId;
  // The entry's time is the cut-off, to the millisecond (both come from this one reading).
  const entryId = await ctx.db.transaction((tx) =>
    appendAudit(
      tx,
      { ...ctx, now: () => startedAt },
      {
        action: "audit.export",
        entityType: "audit_log",
        entityId: `export:${requestId}`,
        after: {
          format: "csv",
          filters: {
            from: query.from,
            to: query.to,
            actor: query.actor,
            action: query.action,
            entityType: query.entityType,
            entityId: query.entityId,
          },
          query: toAuditSearchParams(query).toString(),
          viewer: { id: viewer.id, email: viewer.email, role: viewer.role },
          upTo: startedAt,
        },
      },
    ),
  );

  const where = and(
    ...auditListConditions(query, { id: viewer.id, role: viewer.role }),
    lte(auditLog.occurredAt, startedAt),
    ne(auditLog.id, entryId),
  );
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? EXPORT_BATCH_SIZE));
  const db = ctx.db;
  let rowCount = 0;
  let started = false;

  async function* chunks(signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
    if (started) throw new Error("an audit export can be read once");
    started = true;
    yield Buffer.from(encodeCsv([], AUDIT_CSV_COLUMNS), "utf8");
    const url = options.method === "batches" ? null : postgresUrlOf(db);
    if (url) {
      for await (const part of copyAuditRecords(db, url, where, signal)) {
        rowCount += part.rows;
        yield part.bytes;
      }
      return;
    }
    // The next batch is read while this one is encoded (on PostgreSQL the server works in
    // parallel): at most one batch ahead of what has been handed out.
    let next: Promise<EncodedBatch> | null = readAhead(fetchBatch(db, where, null, batchSize));
    while (next) {
      const batch: EncodedBatch = await next;
      next = batch.rows === batchSize ? readAhead(fetchBatch(db, where, batch.last, batchSize)) : null;
      if (batch.rows > 0) {
        rowCount += batch.rows;
        yield Buffer.from(batch.csv, "utf8");
      }
    }
  }

  return {
    entryId,
    startedAt,
    query,
    get rowCount() {
      return rowCount;
    },
    chunks,
  };
}

/**
 * A read started ahead of need. If it fails while the reader has stopped reading (or gone), that
 * must not become an unhandled rejection; a reader that comes back still gets the error.
 */
function readAhead<T>(read: Promise<T>): Promise<T> {
  read.catch(() => {});
  return read;
}

/** The next batch after `after`, oldest first, encoded by the database (lib/audit/csv-sql.ts). */
async function fetchBatch(
  db: Queryable,
  where: SQL | undefined,
  after: EncodedBatch["last"],
  limit: number,
): Promise<EncodedBatch> {
  // A plan for these exact bounds (like the list's: a generic plan for a prepared statement can
  // pick a scan that reads the whole range before the limit), and no JIT: compiling the
  // encoding expressions cost ~170 ms a batch, more than running them.
  const [row] = await withCustomPlans(db, async (tx) => {
    await tx.execute(sql`set local jit = off`);
    return queryRows<{ csv: string; rows: number; last_at: string | null; last_id: string | null }>(
      tx,
      auditCsvBatchSql(where, after, limit),
    );
  });
  const rows = Number(row?.rows ?? 0);
  return {
    csv: row?.csv ?? "",
    rows,
    last: rows > 0 && row?.last_at && row.last_id ? { occurredAt: row.last_at, id: row.last_id } : null,
  };
}

/**
 * The export as a pull-based byte stream: chunks are produced only as the reader takes them (one
 * waits in the queue, the database read runs at most one batch ahead), so a slow client slows
 * the reads instead of filling the server's memory. Cancelling (the client went away) stops the reads.
 * A failure mid-way errors the stream, so the reader sees a truncated download, never a file
 * that looks complete; `onError` is told first (for the log).
 */
export function auditExportStream(
  exp: AuditExport,
  onError?: (err: unknown) => void,
): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  const chunks = exp.chunks(abort.signal);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (err) {
          // The reader left and the export was stopped for it: nothing failed.
          if (abort.signal.aborted) return;
          onError?.(err);
          controller.error(err);
        }
      },
      async cancel() {
        abort.abort();
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
