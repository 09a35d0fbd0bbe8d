import { type SQL, sql } from "drizzle-orm";
import postgres from "postgres";
import type { Queryable } from "@/db/client";
import { inlineSqlText } from "@/db/inline-sql";
import { CsvRecordEnds } from "./csv-record-ends";
import { auditCsvCopySql } from "./csv-sql";

/**
 * The export's records on PostgreSQL, straight from `COPY … TO STDOUT`, on a connection of its
 * own.
 *
 * - Speed: COPY's own CSV encoder writes every record (only the formula neutralisation is done
 *   in SQL, lib/audit/csv-sql.ts) and streams them in one statement; this process only turns
 *   each record's LF into the file's CRLF (lib/audit/csv-record-ends.ts).
 * - Back-pressure: the driver pauses its socket when the reader stops pulling, so a slow client
 *   holds the server's COPY at the speed of the download, with memory bounded by the buffers.
 * - Time limit: one statement runs for the whole export, so the connection gets a statement
 *   timeout of its own, sized for a long download (AUDIT_EXPORT_TIMEOUT_MS, default one hour),
 *   that overrides a role's shorter one; and no JIT, which cost more than the encoding it compiles.
 * - Disconnect: when the reader stops early (the client went away) the backend is terminated
 *   through `db` (the same role may), so it stops instead of running to the end. A cancel request
 *   would not do: a backend blocked sending to a socket nobody reads does not act on a cancel
 *   until the send completes, and closing our end politely does not unblock it either (measured:
 *   still in ClientWrite seconds later); termination is acted on even while blocked.
 */

export const DEFAULT_EXPORT_TIMEOUT_MS = 60 * 60_000;

export function exportStatementTimeoutMs(): number {
  const raw = Number.parseInt(process.env.AUDIT_EXPORT_TIMEOUT_MS ?? "", 10);
  return Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_EXPORT_TIMEOUT_MS;
}

/** Bytes of records handed out at a time (the last piece may be smaller). */
export const COPY_CHUNK_BYTES = 256 * 1024;

/** What `pg_stat_activity` shows for an export's connection. */
export const EXPORT_APPLICATION_NAME = "paydesk audit export";

export interface CopiedRecords {
  bytes: Uint8Array;
  rows: number;
}

export async function* copyAuditRecords(
  db: Queryable,
  url: string,
  where: SQL | undefined,
  signal?: AbortSignal,
): AsyncGenerator<CopiedRecords, void, undefined> {
  const statement = inlineSqlText(auditCsvCopySql(where));
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    // Startup parameters (postgres.js drops a falsy value: zero goes as "0").
    connection: {
      application_name: EXPORT_APPLICATION_NAME,
      statement_timeout: exportStatementTimeoutMs(),
      jit: "off",
      // Stream in index order from the first row: for a large range the planner otherwise picks
      // a (parallel) scan and a sort, which sends nothing until the whole range is sorted (on disk).
      enable_sort: "off",
      max_parallel_workers_per_gather: "0",
      standard_conforming_strings: "on",
    },
  } as unknown as postgres.Options<Record<string, never>>);
  const query = client.unsafe(statement);
  let stopping: Promise<void> | null = null;
  // Terminating works whatever the backend is doing, even before it has sent a byte (the reader
  // may be waiting for the first chunk, which a generator's return() would wait for too).
  const stop = () => {
    stopping ??= (async () => {
      const pid = (query as unknown as { state?: { pid?: number } }).state?.pid;
      if (pid) await db.execute(sql`select pg_terminate_backend(${pid})`).catch(() => {});
      await client.end({ timeout: 0 });
    })();
    return stopping;
  };
  signal?.addEventListener("abort", stop, { once: true });
  let finished = false;
  try {
    if (signal?.aborted) return;
    const stream = await query.readable();
    const records = new CsvRecordEnds();
    // The driver hands over what one socket read brought (often a few kB); every chunk costs the
    // response stream, the HTTP framing and the client a fixed overhead, so records go out in
    // pieces of COPY_CHUNK_BYTES.
    let parts: Buffer[] = [];
    let size = 0;
    let rows = 0;
    let lastByte: number | undefined;
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (bytes.length === 0) continue;
      lastByte = bytes[bytes.length - 1];
      const before = records.records;
      const mended = records.feed(bytes);
      parts.push(mended);
      size += mended.length;
      rows += records.records - before;
      if (size >= COPY_CHUNK_BYTES) {
        yield { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), rows };
        parts = [];
        size = 0;
        rows = 0;
      }
    }
    records.end(lastByte);
    if (size > 0) yield { bytes: Buffer.concat(parts, size), rows };
    finished = true;
  } finally {
    signal?.removeEventListener("abort", stop);
    if (finished) await client.end({ timeout: 5 });
    else await stop();
  }
}
