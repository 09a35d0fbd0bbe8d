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
    // The driver hands over what one socket read brought (often a few kB); every chunk costs the
    // response stream, the HTTP framing and the client a fixed overhead, so the file goes out in
    // the pieces CsvRecordEnds mends at a time (INPUT_BYTES of COPY's output each).
    const records = new CsvRecordEnds();
    for await (const chunk of stream) {
      for (const piece of records.feed(chunk as Buffer)) yield { bytes: piece.bytes, rows: piece.records };
    }
    const rest = records.finish();
    if (rest.bytes.length > 0) yield { bytes: rest.bytes, rows: rest.records };
    finished = true;
  } finally {
    signal?.removeEventListener("abort", stop);
    if (finished) await client.end({ timeout: 5 });
    else await stop();
  }
}
