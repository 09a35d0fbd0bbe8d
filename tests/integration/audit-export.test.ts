import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { parse } from "csv-parse/sync";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/audit/export/route";
import { type DatabaseHandle, type Db, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { queryRows } from "@/db/rows";
import { auditLog } from "@/db/schema";
import { appendAudit } from "@/lib/audit/append";
import { AUDIT_CSV_COLUMNS, auditCsvCast, type CsvCell } from "@/lib/audit/csv";
import { createCsvRecordCounter } from "@/lib/audit/csv-progress";
import { auditExportStream, startAuditExport } from "@/lib/audit/export";
import { EXPORT_APPLICATION_NAME } from "@/lib/audit/export-copy";
import { type AuditViewer, listAuditPage } from "@/lib/audit/list";
import { verifyAuditExport } from "@/lib/audit/verify-export";
import { runAuditExport } from "@/lib/cli/audit-export";
import { describeError, exitCodeFor } from "@/lib/cli/run-main";
import type { Actor, ServiceContext } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { PEER_HEADER, peerHeaderValue } from "@/lib/http/peer";
import { captureLogs } from "@/lib/log/capture";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { parseAuditListQuery } from "@/lib/validation/audit-list";
import { resetActionSession, signInAs, signOut, useActionDb } from "../support/action-session";
import { CLI_ARGS, CLI_COMMAND } from "../support/cli";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline, ctxFor, insertStaff } from "../support/fixtures";

// Who is signed in is the one request seam replaced; the route, the permission map, the
// parser, the export and the database are real.
vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

type StaffRow = Awaited<ReturnType<typeof insertStaff>>;

function staffActor(user: StaffRow): Extract<Actor, { type: "staff" }> {
  return { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
}

function parseCsv(text: string): CsvCell[][] {
  return parse(text, { cast: auditCsvCast, record_delimiter: "\r\n" }) as CsvCell[][];
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function exportBytes(ctx: ServiceContext, search: string, batchSize?: number) {
  const exp = await startAuditExport(ctx, parseAuditListQuery(new URLSearchParams(search)), { batchSize });
  const bytes = await readAll(auditExportStream(exp));
  return { exp, bytes, rows: parseCsv(bytes.toString("utf8")) };
}

/** Every entry of the /audit page for this query, through all its pages, oldest first. */
async function listedIds(db: Db, search: string, viewer: AuditViewer): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query = {
      ...parseAuditListQuery(new URLSearchParams(search)),
      size: 25 as const,
      cursor,
      back: false,
    };
    const page = await listAuditPage(db, query, viewer);
    ids.push(...page.rows.map((r) => r.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids.reverse();
}

/** Payments and entries with every kind of content a spreadsheet or a CSV reader could trip on. */
async function seed(db: Db) {
  const { admin, ctx } = await baseline(db);
  const auditor = await insertStaff(db, "auditor");
  const support = await insertStaff(db, "support");
  const first = await createPayment(ctx, {
    customer: "anna@example.com",
    amount: "599.00",
    currency: "RUB",
    plan: "premium",
    status: "succeeded",
    description: "-2+3 =cmd|' /C calc'!A0",
    metadata: { "=x": "+y", note: "@SUM(1,2)", list: ["-1", "a,b", 'q"q'] },
    reason: '=HYPERLINK("http://evil.example","click")',
  });
  const second = await createPayment(ctx, {
    customer: "anna@example.com",
    amount: "299.00",
    currency: "RUB",
    plan: "basic",
    reason: 'Transfer, "quoted"\r\nsecond line',
  });
  await changePaymentStatus(ctx, {
    paymentId: second.payment.id,
    status: "canceled",
    reason: "@SUM(1+1)*cmd|' /C calc'!A0",
  });
  const supportCtx = ctxFor(db, staffActor(support), { via: "web", userAgent: "", ip: "203.0.113.7" });
  await db.transaction((tx) =>
    appendAudit(tx, supportCtx, {
      action: "staff.sign_in",
      entityType: "staff",
      entityId: support.id,
      reason: "\t=1+2",
    }),
  );
  return { admin, auditor, support, first: first.payment, second: second.payment };
}

describe("audit CSV export", () => {
  let t: TestDatabase;
  let data: Awaited<ReturnType<typeof seed>>;
  let auditorCtx: () => ServiceContext;

  beforeAll(async () => {
    t = await freshDatabase();
    data = await seed(t.db);
    auditorCtx = () => ctxFor(t.db, staffActor(data.auditor), { via: "web", requestId: randomUUID() });
  }, 300_000);
  afterAll(async () => {
    resetActionSession();
    await t?.close();
  });

  it("exports exactly the /audit page's entries for the same filters, oldest first", async () => {
    const all = await t.db.select().from(auditLog);
    const times = all.map((r) => r.occurredAt.getTime()).sort((a, b) => a - b);
    const middle = new Date(times[Math.floor(times.length / 2)]!).toISOString();
    const searches = [
      "",
      "action=payment.create",
      "action=payment.status_change,payment.create",
      `actor=${data.support.id}`,
      `actor=${data.admin.email.toUpperCase()}`,
      `entityType=payment&entityId=${data.second.id}`,
      `from=${middle}`,
      `to=${middle}`,
      // Invalid values are dropped, exactly as the page drops them.
      "from=yesterday&action=DROP%20TABLE&entityType=%00&actor=nobody",
      // Page position and size are not filters: the export ignores them.
      "size=100&cursor=abc&back=1&action=payment.create",
    ];
    for (const search of searches) {
      const viewer = { id: data.auditor.id, role: data.auditor.role };
      const expected = await listedIds(t.db, search, viewer);
      const { rows } = await exportBytes(auditorCtx(), search);
      expect(rows[0], search).toEqual([...AUDIT_CSV_COLUMNS]);
      expect(
        rows.slice(1).map((r) => r[0]),
        search,
      ).toEqual(expected);
      expect(verifyAuditExport(rows).ok, search).toBe(true);
    }
  });

  it("carries hash columns that verify every row and every chain link present", async () => {
    const { rows, bytes } = await exportBytes(auditorCtx(), "", 2);
    const result = verifyAuditExport(rows);
    expect(result.problems).toEqual([]);
    expect(result.hashesVerified).toBe(rows.length - 1);
    expect(result.linksChecked).toBeGreaterThan(0);
    // The formula-like content is neutralised in the file, and nothing else is changed.
    const text = bytes.toString("utf8");
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(text).toContain(`,'@SUM(1+1)*cmd|' /C calc'!A0,`);
    expect(text).toContain(`,'\t=1+2,`);
    expect(text).toContain(`"Transfer, ""quoted""\r\nsecond line"`);
    // Batches (of 2 here) join into one file: one header, CRLF throughout.
    expect(text.match(/^id,occurred_at,/gm)).toHaveLength(1);
    const counter = createCsvRecordCounter();
    counter.push(bytes);
    expect(counter.records).toBe(rows.length);
    // The support user's empty user agent stays an empty string, apart from NULL.
    const signIn = rows.find((r) => r[AUDIT_CSV_COLUMNS.indexOf("action")] === "staff.sign_in")!;
    expect(signIn[AUDIT_CSV_COLUMNS.indexOf("user_agent")]).toBe("");
    expect(signIn[AUDIT_CSV_COLUMNS.indexOf("reason")]).toBe("'\t=1+2");
    expect(signIn[AUDIT_CSV_COLUMNS.indexOf("before")]).toBeNull();
  });

  it("records itself in the audit log before the first byte, and leaves itself out of the file", async () => {
    const ctx = auditorCtx();
    const exp = await startAuditExport(
      ctx,
      parseAuditListQuery(new URLSearchParams("action=payment.create&from=2020-01-01")),
    );
    // Nothing read yet: the entry is already committed.
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.id, exp.entryId));
    expect(entry).toMatchObject({
      action: "audit.export",
      entityType: "audit_log",
      entityId: `export:${ctx.requestId}`,
      actorType: "staff",
      actorId: data.auditor.id,
      actorRole: "auditor",
      via: "web",
      before: null,
    });
    expect(entry!.after).toMatchObject({
      format: "csv",
      filters: {
        from: "2020-01-01",
        to: null,
        actor: null,
        action: ["payment.create"],
        entityType: null,
        entityId: null,
      },
      query: "from=2020-01-01&action=payment.create",
      viewer: { id: data.auditor.id, email: data.auditor.email, role: "auditor" },
      upTo: exp.startedAt.toISOString(),
    });
    expect(entry!.occurredAt.getTime()).toBe(exp.startedAt.getTime());

    // An unfiltered export holds the earlier export's entry, never its own.
    const next = await exportBytes(auditorCtx(), "");
    const ids = next.rows.slice(1).map((r) => r[0]);
    expect(ids).toContain(exp.entryId);
    expect(ids).not.toContain(next.exp.entryId);

    // A download cancelled after the header is still on record.
    const cancelled = await startAuditExport(auditorCtx(), parseAuditListQuery(null), { batchSize: 1 });
    const reader = auditExportStream(cancelled).getReader();
    await reader.read();
    await reader.cancel();
    const [kept] = await t.db.select().from(auditLog).where(eq(auditLog.id, cancelled.entryId));
    expect(kept?.action).toBe("audit.export");
  });

  it("refuses support (and writes nothing), whatever it asks for", async () => {
    const before = await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    const supportCtx = ctxFor(t.db, staffActor(data.support), { via: "web" });
    const err = await startAuditExport(supportCtx, parseAuditListQuery(null)).catch((e: unknown) => e);
    expect(isServiceError(err) && err.code).toBe("forbidden");
    const after = await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  describe("GET /audit/export", () => {
    const request = (search: string, headers: Record<string, string> = {}) =>
      new Request(`http://localhost/audit/export${search}`, { headers });

    it("streams the CSV to admins and auditors, 403 to support, 401 without a session", async () => {
      useActionDb(t.db);
      for (const user of [data.admin, data.auditor]) {
        signInAs(user.id);
        const response = await GET(
          request("?action=payment.create&from=not-a-date", {
            "user-agent": "Route test",
            [PEER_HEADER]: peerHeaderValue("198.51.100.4"),
          }),
        );
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(response.headers.get("content-disposition")).toMatch(
          /^attachment; filename="paydesk-audit-\d{8}T\d{6}Z\.csv"$/,
        );
        const text = await response.text();
        const rows = parseCsv(text);
        expect(rows.length).toBe(3); // header + two payment.create entries
        expect(verifyAuditExport(rows).ok).toBe(true);
        // The same bytes the service produces for the same filters.
        const direct = await exportBytes(auditorCtx(), "action=payment.create");
        expect(text).toBe(direct.bytes.toString("utf8"));

        const requestId = response.headers.get("x-request-id")!;
        const [entry] = await t.db
          .select()
          .from(auditLog)
          .where(eq(auditLog.entityId, `export:${requestId}`));
        expect(entry).toMatchObject({
          actorId: user.id,
          via: "web",
          ip: "198.51.100.4",
          userAgent: "Route test",
          requestId,
        });
      }

      signInAs(data.support.id);
      const forbidden = await GET(request(""));
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get("content-type")).toBe("application/problem+json");
      expect(await forbidden.json()).toMatchObject({ status: 403, title: "Forbidden" });

      signOut();
      const anonymous = await GET(request(""));
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    });
  });

  it("the CLI writes the bytes the web export writes, through the same code", async () => {
    const chunks: Buffer[] = [];
    let writes = 0;
    // A slow pipe: every write reports "full" and drains later, so the writer must wait.
    const out = new Writable({
      highWaterMark: 1,
      write(chunk, _enc, done) {
        writes++;
        chunks.push(Buffer.from(chunk));
        setTimeout(done, 1);
      },
    });
    const handle = { db: t.db } as DatabaseHandle;
    const search = `action=payment.create,payment.status_change&actor=${data.admin.email}`;
    const result = await runAuditExport(
      handle,
      { actor: data.auditor.email, action: "payment.create,payment.status_change", by: data.admin.email },
      out,
    );
    const web = await exportBytes(auditorCtx(), search);
    expect(Buffer.concat(chunks).equals(web.bytes)).toBe(true);
    expect(result.rows).toBe(3);
    expect(writes).toBeGreaterThan(1);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.id, result.entryId));
    expect(entry).toMatchObject({ action: "audit.export", via: "cli", actorId: data.auditor.id });
  });
});

// ---------------------------------------------------------------------------------------
// The CLI as a separate process, against a database of its own.

describe("audit export on the CLI", () => {
  const ROOT = path.resolve(import.meta.dirname, "../..");
  const run = promisify(execFile);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let pg: TestDatabase | null = null;
  let data: Awaited<ReturnType<typeof seed>>;

  async function open(): Promise<DatabaseHandle> {
    if (pg) return { ...pg, close: async () => {} };
    const handle = await openDatabase({ dataDir: env.DATA_DIR });
    await migrateDatabase(handle);
    return handle;
  }

  async function cli(args: string[]) {
    try {
      const { stdout, stderr } = await run(CLI_COMMAND, [...CLI_ARGS, "audit", "export", ...args], {
        cwd: ROOT,
        env,
        encoding: "buffer",
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      });
      return { code: 0, stdout, stderr: stderr.toString() };
    } catch (err) {
      const e = err as { code?: number; stdout?: Buffer; stderr?: Buffer };
      return { code: e.code ?? -1, stdout: e.stdout ?? Buffer.alloc(0), stderr: String(e.stderr ?? "") };
    }
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paydesk-export-"));
    env = { ...process.env, DATABASE_URL: "", DATA_DIR: path.join(tmp, "data"), SEED_DEMO: "" };
    if (backend === "postgres") {
      pg = await freshDatabase({ max: 2 });
      env.DATABASE_URL = pg.url;
    }
    const handle = await open();
    try {
      data = await seed(handle.db);
    } finally {
      await handle.close();
    }
  }, 300_000);
  afterAll(async () => {
    await pg?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("writes the web export's bytes to stdout, audited as the --actor via cli", async () => {
    const filters = ["--action", "payment.create,payment.status_change", "--from", "2020-01-01"];
    const result = await cli([...filters, "--actor", data.auditor.email]);
    expect(result.stderr).toMatch(/^Exported 3 entries \(recorded as audit entry [0-9a-f-]{36}\)\n$/);
    expect(result.code).toBe(0);

    const handle = await open();
    useActionDb(handle.db);
    signInAs(data.admin.id);
    try {
      const response = await GET(
        new Request(
          "http://localhost/audit/export?action=payment.create,payment.status_change&from=2020-01-01",
        ),
      );
      const web = Buffer.from(await response.arrayBuffer());
      expect(result.stdout.equals(web)).toBe(true);
      expect(verifyAuditExport(parseCsv(web.toString("utf8"))).rows).toBe(3);

      const entryId = /audit entry ([0-9a-f-]{36})/.exec(result.stderr)![1]!;
      const [entry] = await handle.db.select().from(auditLog).where(eq(auditLog.id, entryId));
      expect(entry).toMatchObject({ action: "audit.export", via: "cli", actorId: data.auditor.id });
      expect(entry!.after).toMatchObject({
        filters: { action: ["payment.create", "payment.status_change"] },
      });
    } finally {
      resetActionSession();
      await handle.close();
    }
  }, 300_000);

  it("refuses support with exit code 4 and writes nothing to stdout", async () => {
    const support = await cli(["--actor", data.support.email]);
    expect(support.code).toBe(4);
    expect(support.stdout.length).toBe(0);
    expect(support.stderr).toMatch(/not allowed to export the audit log/);
  }, 300_000);

  it("refuses a missing --actor and a filter value the page would drop, as usage errors (exit 2)", async () => {
    const handle = await open();
    const exportCount = async () =>
      (await handle.db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.action, "audit.export")))
        .length;
    const before = await exportCount();
    try {
      const refused = async (opts: Parameters<typeof runAuditExport>[1]) => {
        const err = await runAuditExport(
          handle,
          opts,
          new Writable({ write: (_c, _e, done) => done() }),
        ).catch((e: unknown) => e);
        return { code: exitCodeFor(err), message: describeError(err) };
      };
      expect(await refused({ action: "payment.create" })).toMatchObject({
        code: 2,
        message: expect.stringMatching(/--actor/),
      });
      for (const [flag, opts] of [
        ["--from", { from: "yesterday" }],
        ["--to", { to: "2026-02-30" }],
        ["--by", { by: "nobody" }],
        ["--action", { action: "payment.create,DROP TABLE" }],
        ["--entity-type", { entityType: "Payment!" }],
      ] as const) {
        expect(await refused({ ...opts, actor: data.auditor.email })).toEqual({
          code: 2,
          message: expect.stringMatching(new RegExp(`^${flag} ".*" is not a valid filter value$`)),
        });
      }
      // Nothing was exported, so nothing was audited.
      expect(await exportCount()).toBe(before);
    } finally {
      await handle.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// Failure mid-stream and memory

/** Entries written straight in SQL (the trigger allows INSERT); valid hashes are not needed here. */
async function bulkInsert(db: Db, action: string, count: number, padding: number) {
  await db.execute(sql`
    insert into audit_log (id, occurred_at, actor_type, actor_id, actor_email, actor_role, via, action,
      entity_type, entity_id, before, after, reason, request_id, ip, user_agent, chain_key, chain_seq,
      prev_hash, hash)
    select gen_random_uuid(), timestamptz '2025-01-01' + g * interval '1 millisecond', 'staff',
      'bulk', 'bulk@paydesk.test', 'admin', 'web', ${action}, 'bulk', 'b' || g,
      jsonb_build_object('n', g, 'pad', repeat('b', ${padding})),
      jsonb_build_object('n', g + 1, 'pad', repeat('a', ${padding}), 'formula', '=1+' || g),
      repeat('r', ${padding}), gen_random_uuid()::text, '192.0.2.1', repeat('u', ${padding}),
      ${action} || ':' || g, 1, null, md5(g::text)
    from generate_series(1, ${count}) g`);
}

describe("audit export streaming", () => {
  let t: TestDatabase;
  let auditor: StaffRow;

  beforeAll(async () => {
    t = await freshDatabase();
    auditor = await insertStaff(t.db, "auditor");
    await bulkInsert(t.db, "bulk.fail", 10_000, 10);
  });
  afterAll(async () => {
    resetActionSession();
    await t?.close();
  });

  it.runIf(backend === "pglite")(
    "reads a batch only when the reader has taken the previous one",
    async () => {
      const ctx = ctxFor(t.db, staffActor(auditor), { via: "web" });
      const exp = await startAuditExport(ctx, parseAuditListQuery(null), { batchSize: 10 });
      const reader = auditExportStream(exp).getReader();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(exp.rowCount).toBe(0); // only the header is queued
      await reader.read();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(exp.rowCount).toBe(10); // one batch waits for the reader, no more
      await reader.read();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(exp.rowCount).toBe(20);
      await reader.cancel();
    },
  );

  it.runIf(backend === "postgres")(
    "on PostgreSQL, hands records out only as the reader takes them",
    async () => {
      const ctx = ctxFor(t.db, staffActor(auditor), { via: "web" });
      const exp = await startAuditExport(ctx, parseAuditListQuery(null));
      const reader = auditExportStream(exp).getReader();
      await reader.read(); // the header
      await reader.read();
      // The stream keeps one chunk ready beyond what was read, and no more.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const taken = exp.rowCount;
      expect(taken).toBeGreaterThan(0);
      expect(taken).toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(exp.rowCount).toBe(taken);
      await reader.read();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(exp.rowCount).toBeGreaterThan(taken);
      await reader.cancel();
    },
  );

  // On PostgreSQL the COPY holds its lock on audit_log for the whole export, so the table cannot
  // be renamed under it; "audit export memory" kills its backend instead.
  it.runIf(backend === "pglite")(
    "errors the stream (a truncated download) and logs when the database fails mid-way",
    async () => {
      const logs = captureLogs();
      useActionDb(t.db);
      signInAs(auditor.id);
      try {
        const response = await GET(
          new Request("http://localhost/audit/export?action=bulk.fail", {
            headers: { "x-request-id": "req-export" },
          }),
        );
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        let received = 0;
        let renamed = false;
        let failure: unknown = null;
        for (;;) {
          try {
            const { done, value } = await reader.read();
            if (done) break;
            received += value.length;
            // After the header and the first batch, the table goes away under the export.
            if (received > 100_000 && !renamed) {
              renamed = true;
              await t.db.execute(sql`alter table audit_log rename to audit_log_gone`);
            }
          } catch (err) {
            failure = err;
            break;
          }
        }
        expect(failure).not.toBeNull();
        expect(received).toBeLessThan(10_000 * 200);
        const failed = logs.lines().filter((l) => l.msg === "audit export failed midway");
        expect(failed).toEqual([
          expect.objectContaining({
            level: "error",
            // Ours, not the client's X-Request-Id (lib/auth/request.ts).
            requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            exportId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            rows: expect.any(Number),
            err: expect.objectContaining({ message: expect.any(String) }),
          }),
        ]);
        // Cut short: some rows went out, not all of them.
        expect(failed[0]!.rows as number).toBeGreaterThan(0);
        expect(failed[0]!.rows as number).toBeLessThan(10_000);
      } finally {
        logs.restore();
        await t.db.execute(sql`alter table if exists audit_log_gone rename to audit_log`);
      }
    },
  );
});

describe("audit export memory", () => {
  const ROWS = 200_000;
  let t: TestDatabase;
  let auditor: StaffRow;

  beforeAll(async () => {
    t = await freshDatabase();
    auditor = await insertStaff(t.db, "auditor");
    // Loading 200,000 rows through six indexes takes PGlite minutes. This database only serves an
    // unfiltered export, which reads (occurred_at, id) through audit_log_occurred_idx: keep that
    // index and the primary key, drop the others, and skip the WAL for the load.
    for (const statement of [
      sql`alter table audit_log drop constraint audit_log_chain_position_key`,
      sql`drop index audit_log_entity_idx, audit_log_actor_idx, audit_log_action_idx, audit_log_actor_email_idx`,
      sql`alter table audit_log set unlogged`,
    ]) {
      await t.db.execute(statement);
    }
    const started = performance.now();
    await bulkInsert(t.db, "bulk.load", ROWS, 200);
    // Read the rows once the way the export reads them, so the database's buffer cache (on PGlite
    // it lives in this process: 128 MB of shared_buffers that become resident as pages are first
    // read) is warm before the baseline. What is measured below is then the export's own memory.
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(
        sql`select count(*), sum(length(user_agent)) from (select user_agent from audit_log order by occurred_at, id) rows`,
      );
    });
    console.info(`loaded ${ROWS} entries in ${Math.round(performance.now() - started)} ms (${backend})`);
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it("holds memory flat while streaming 200,000 entries", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const sample = () => {
      gc();
      return process.memoryUsage();
    };

    const ctx = ctxFor(t.db, staffActor(auditor), { via: "web" });
    const exp = await startAuditExport(ctx, parseAuditListQuery(null));
    const started = performance.now();
    const reader = auditExportStream(exp).getReader();
    const counter = createCsvRecordCounter();
    // The JS heap and the byte buffers are measured from the start. The process's resident size
    // is measured from the 10th batch on: by then the allocator, V8's young generation and the
    // pages of PGlite's WebAssembly memory that a query uses have reached their working size,
    // a one-off step of a few tens of MB that does not depend on how much is exported.
    const start = sample();
    let base = start;
    let peakHeap = 0;
    let peakBuffers = 0;
    let peakRss = 0;
    let bytes = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      counter.push(value);
      chunks++;
      if (chunks === 10) base = sample();
      if (chunks % 10 === 0) {
        const now = sample();
        peakHeap = Math.max(peakHeap, now.heapUsed - start.heapUsed);
        peakBuffers = Math.max(peakBuffers, now.arrayBuffers - start.arrayBuffers);
        peakRss = Math.max(peakRss, now.rss - base.rss);
      }
    }
    const MB = 1024 * 1024;
    console.info(
      `exported ${counter.records - 1} entries in ${Math.round(performance.now() - started)} ms: ` +
        `${(bytes / MB).toFixed(0)} MB streamed; heap growth ${(peakHeap / MB).toFixed(1)} MB, ` +
        `array buffers ${(peakBuffers / MB).toFixed(1)} MB, rss growth ${(peakRss / MB).toFixed(1)} MB ` +
        `after the first 10 batches (${((base.rss - start.rss) / MB).toFixed(1)} MB before) (${backend})`,
    );
    expect(counter.records - 1).toBe(ROWS);
    expect(exp.rowCount).toBe(ROWS);
    expect(chunks).toBeGreaterThan(100);
    // Buffering the file would take more than three times the bound.
    expect(bytes).toBeGreaterThan(3 * 64 * MB);
    expect(peakHeap).toBeLessThan(32 * MB);
    expect(peakBuffers).toBeLessThan(32 * MB);
    expect(peakRss).toBeLessThan(64 * MB);
  }, 300_000);

  /** The export's backend, and any parallel workers it started (they carry its name too). */
  async function exportBackends(): Promise<{ pid: number; state: string | null; leader: boolean }[]> {
    return queryRows<{ pid: number; state: string | null; leader: boolean }>(
      t.db,
      sql`select pid, state, backend_type = 'client backend' as leader from pg_stat_activity
        where datname = current_database() and application_name = ${EXPORT_APPLICATION_NAME}`,
    );
  }

  it.runIf(backend === "postgres")(
    "on PostgreSQL, a reader that goes away stops the database's COPY at once",
    async () => {
      const ctx = ctxFor(t.db, staffActor(auditor), { via: "web" });
      const exp = await startAuditExport(ctx, parseAuditListQuery(null));
      const reader = auditExportStream(exp).getReader();
      for (let i = 0; i < 4; i++) await reader.read();
      // Far more than the socket buffers hold is still to come: the backend is busy sending.
      expect((await exportBackends()).filter((b) => b.leader)).toEqual([
        expect.objectContaining({ state: "active" }),
      ]);
      const cancelledAt = performance.now();
      await reader.cancel();
      let left = await exportBackends();
      while (left.length > 0 && performance.now() - cancelledAt < 2_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        left = await exportBackends();
      }
      expect(left).toEqual([]);
      expect(exp.rowCount).toBeLessThan(ROWS / 2);
    },
  );

  it.runIf(backend === "postgres")(
    "on PostgreSQL, a COPY whose backend dies errors the stream (a truncated download)",
    async () => {
      const ctx = ctxFor(t.db, staffActor(auditor), { via: "web" });
      const exp = await startAuditExport(ctx, parseAuditListQuery(null));
      const errors: unknown[] = [];
      const reader = auditExportStream(exp, (err) => errors.push(err)).getReader();
      for (let i = 0; i < 4; i++) await reader.read();
      const [backendRow] = (await exportBackends()).filter((b) => b.leader);
      expect(backendRow).toBeDefined();
      await t.db.execute(sql`select pg_terminate_backend(${backendRow!.pid})`);
      let failure: unknown = null;
      try {
        for (;;) {
          const { done } = await reader.read();
          if (done) break;
        }
      } catch (err) {
        failure = err;
      }
      expect(failure).not.toBeNull();
      expect(errors).toHaveLength(1);
      expect(exp.rowCount).toBeGreaterThan(0);
      expect(exp.rowCount).toBeLessThan(ROWS);
    },
  );
});
