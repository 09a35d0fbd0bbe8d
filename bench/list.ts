/**
 * Payments list benchmark: the server-driven list (lib/payments/list.ts) on 1,000,000
 * payments over 100,000 customers, then the /payments page served by `npm start`.
 *
 * 1. Opens BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/paydesk_bench),
 *    creating and migrating the database when needed, and fills it in SQL
 *    (`insert … select … from generate_series`) unless it already holds exactly 1,000,000
 *    payments and 100,000 customers (`--refill` truncates and fills again).
 * 2. Times listPaymentsPage / countPaymentsCapped through openDatabase({ url }), the same
 *    prepared-statement client the app uses: BENCH_WARMUP (20) warm-up runs, then BENCH_RUNS
 *    (200) timed runs per case, one at a time; target p95 < 30 ms.
 * 3. Unless `--skip-http`: with a production build (.next/BUILD_ID), starts `npm start` on
 *    a free port against the bench database, signs in through next-auth's credentials flow
 *    as bench-admin@paydesk.test and times GET /payments (plain and filtered); target
 *    p95 < 150 ms. A missing build or a failed sign-in is reported, not fatal.
 *
 *   npm run bench:list
 *   npm run bench:list -- --refill --skip-http --explain
 *
 * Env: BENCH_DATABASE_URL, BENCH_RUNS, BENCH_WARMUP, BENCH_FRAGMENT (the customer fragment
 * of the filtered cases, default "olga", a first name), BENCH_STRICT=1 (exit 2 when a
 * target is missed). `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of each case's query.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { type DatabaseHandle, drizzleOverPostgres, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { countPaymentsCapped, listPaymentsPage } from "@/lib/payments/list";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { type PaymentListQuery, parsePaymentListQuery } from "@/lib/validation/payment-list";
import { intEnv, quiet, redact, table } from "./lib/common";
import { fillCustomers } from "./lib/customers";
import { databaseName, ensureDatabase, inParallel } from "./lib/database";
import {
  BENCH_ADMIN_EMAIL,
  type CookieJar,
  ensureBenchAdmin,
  freePort,
  hasProductionBuild,
  signIn,
  startServer,
  stopServer,
  waitForHealth,
} from "./lib/server";
import { type LatencySummary, round, summarize } from "./lib/stats";

// ---------------------------------------------------------------------------------------
// Configuration

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!["--refill", "--skip-http", "--explain"].includes(a)) {
    throw new Error(`unknown argument ${a} (expected --refill, --skip-http, --explain)`);
  }
}
const REFILL = args.has("--refill");
const SKIP_HTTP = args.has("--skip-http");
const EXPLAIN = args.has("--explain");

const BENCH_URL = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/paydesk_bench";
const RUNS = intEnv("BENCH_RUNS", 200, 1);
const WARMUP = intEnv("BENCH_WARMUP", 20);
const FRAGMENT = (process.env.BENCH_FRAGMENT || "olga").toLowerCase();
const STRICT = process.env.BENCH_STRICT === "1";
/** Sessions that fill in parallel (the machine's cores, at most 4). */
const FILL_PARTS = intEnv("BENCH_FILL_SESSIONS", Math.min(4, Math.max(1, os.cpus().length)), 1);

const PAYMENTS = 1_000_000;
const CUSTOMERS = 100_000;
const DEEP_ROWS = 10_000;
const DB_TARGET_P95_MS = 30;
const HTTP_TARGET_P95_MS = 150;

// Fails early on a name that could not go into `create database` unquoted.
databaseName(BENCH_URL);

// ---------------------------------------------------------------------------------------
// Output helpers

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------
// Database: create, migrate, fill

interface Counts {
  customers: number;
  payments: number;
}

async function tableCounts(raw: postgres.Sql): Promise<Counts> {
  const [row] = await raw<{ customers: number; payments: number }[]>`
    select (select count(*)::int from customers) as customers, (select count(*)::int from payments) as payments`;
  return { customers: row?.customers ?? 0, payments: row?.payments ?? 0 };
}

/**
 * 100,000 customers and 1,000,000 payments, in SQL, in created order (as a live table
 * would be written), satisfying every CHECK of db/schema/payments.ts:
 *  - customers `firstname.lastname.N@example.com` / "Firstname Lastname" from 120 × 150
 *    names, so a first name selects ~0.8 % of them;
 *  - payments over the last 730 days: RUB 85 %, USD 7 %, EUR 6 %, JPY 2 %; kinds provider
 *    ~62 % (YooKassa or Stripe for RUB, Stripe otherwise), manual ~33 %, trial 5 % (amount 0,
 *    with a plan, at most one per customer and plan, succeeded or voided); statuses
 *    succeeded ~71 %, refunded ~8 % (refunded = amount), partially refunded ~5 % (half),
 *    failed, canceled, pending, processing (providers only); unique provider payment ids
 *    and idempotency keys (half of the manual payments carry one).
 * Refunds, grants, subscriptions and audit entries are left out: the list does not read them.
 */
async function fill(
  raw: postgres.Sql,
): Promise<{ customersMs: number; paymentsMs: number; analyzeMs: number }> {
  await raw`truncate table customers, payments cascade`;
  // One "now" for every session, so that the parts line up.
  const anchor = new Date().toISOString();
  const [plan] = await raw<{ ids: string[] | null }[]>`
    select array_agg(id order by price_minor) as ids from plans where code in ('basic', 'premium', 'family')`;
  const planIds = plan?.ids ?? [];
  if (planIds.length !== 3) throw new Error("the basic, premium and family plans are missing");

  let t = performance.now();
  await fillCustomers(BENCH_URL, FILL_PARTS, CUSTOMERS, anchor);
  const customersMs = performance.now() - t;

  t = performance.now();
  await inParallel(
    BENCH_URL,
    FILL_PARTS,
    PAYMENTS,
    (sql, first, last) => sql`
    insert into payments (id, customer_id, plan_id, amount_minor, currency, status, kind, provider,
                          provider_payment_id, method, description, refunded_minor, idempotency_key,
                          created_by, created_at, updated_at, succeeded_at)
    select md5('bench-payment-' || n)::uuid,
           md5('bench-customer-' || ci)::uuid,
           plan_id, amount, currency, status::payment_status, kind::payment_kind, provider::payment_provider,
           case provider when 'stripe' then 'pi_' || substr(md5('pi' || n), 1, 24)
                         when 'yookassa' then md5('yk' || n)::uuid::text end,
           (case when provider <> 'manual' then 'card' when kind = 'trial' then null
                 when r_m < 0.7 then 'bank_transfer' when r_m < 0.9 then 'cash' else 'other' end)::payment_method,
           case when kind = 'trial' then 'Trial' when plan_id is null then 'One-off payment' else 'Subscription' end,
           case status when 'refunded' then amount when 'partially_refunded' then amount / 2 else 0 end,
           case when kind = 'manual' and r_m < 0.5 then 'bench-pay-' || n end,
           case provider when 'stripe' then 'system:stripe' when 'yookassa' then 'system:yookassa'
                         else ${BENCH_ADMIN_EMAIL} end,
           created_at, created_at + interval '2 minutes',
           case when status in ('succeeded', 'refunded', 'partially_refunded') then created_at + interval '1 minute' end
    from (
      select n, ci, kind, currency, provider, r_m, created_at,
             case when kind = 'trial' or (currency = 'RUB' and r_p < 0.8)
                  then (${planIds}::uuid[])[1 + floor(r_p2 * 3)::int] end as plan_id,
             case when kind = 'trial' then 0
                  when currency = 'RUB' and r_p < 0.8 then (array[29900, 59900, 89900])[1 + floor(r_p2 * 3)::int]
                  when currency = 'RUB' then 10000 + floor(r_a * 4990000)::bigint
                  when currency = 'JPY' then 300 + floor(r_a * 29700)::bigint
                  else 199 + floor(r_a * 49800)::bigint end as amount,
             case when kind = 'trial' then (case when r_s < 0.92 then 'succeeded' else 'canceled' end)
                  when r_s < 0.70 then 'succeeded'
                  when r_s < 0.78 then 'failed'
                  when r_s < 0.83 then 'canceled'
                  when r_s < 0.86 then 'pending'
                  when r_s < 0.87 then (case when kind = 'provider' then 'processing' else 'pending' end)
                  when r_s < 0.95 then 'refunded'
                  else 'partially_refunded' end as status
      from (
        select n, r_m, r_p, r_p2, r_a, r_s, kind, currency, created_at,
               -- one trial per customer (and so per plan): trial n belongs to customer n / 20
               case when kind = 'trial' then n / 20 else 1 + floor(r_c * ${CUSTOMERS})::int end as ci,
               case when kind <> 'provider' then 'manual'
                    when currency = 'RUB' and r_m < 0.8 then 'yookassa' else 'stripe' end as provider
        from (
          select n, random() as r_m, random() as r_p, random() as r_p2, random() as r_a, random() as r_s,
                 random() as r_c,
                 case when n % 20 = 0 then 'trial' when random() < 0.35 then 'manual' else 'provider' end as kind,
                 case when n % 20 = 0 then 'RUB' when x < 0.85 then 'RUB' when x < 0.92 then 'USD'
                      when x < 0.98 then 'EUR' else 'JPY' end as currency,
                 ${anchor}::timestamptz - interval '730 days' + n * interval '730 days' / ${PAYMENTS}
                   + random() * interval '20 seconds' as created_at
          from (select n, random() as x from generate_series(${first}::int, ${last}::int) as n) g
        ) a
      ) b
    ) c`,
  );
  const paymentsMs = performance.now() - t;

  t = performance.now();
  // VACUUM as well: sets hint bits and the visibility map now rather than during the timed runs.
  await raw.unsafe("vacuum (analyze) customers, payments");
  const analyzeMs = performance.now() - t;
  return { customersMs, paymentsMs, analyzeMs };
}

// ---------------------------------------------------------------------------------------
// Timing

interface CaseResult {
  label: string;
  detail: string;
  rows: string;
  latency: LatencySummary;
  targetMs: number;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

const pass = (r: { latency: LatencySummary; targetMs: number }) =>
  r.latency.p95 < r.targetMs ? "PASS" : "FAIL";

function printResults(title: string, results: CaseResult[]): void {
  console.log(`\n${title} (${RUNS} timed runs after ${WARMUP} warm-up, sequential; ms)`);
  console.log(
    table(
      ["case", "rows", "p50", "p95", "p99", "max", "target p95", "result"],
      results.map((r) => [
        `${r.label} ${r.detail}`,
        r.rows,
        fmt(r.latency.p50),
        fmt(r.latency.p95),
        fmt(r.latency.p99),
        fmt(r.latency.max),
        `< ${r.targetMs}`,
        pass(r),
      ]),
    ),
  );
}

// ---------------------------------------------------------------------------------------
// Database cases

interface DbCase {
  label: string;
  detail: string;
  query: PaymentListQuery;
  kind: "page" | "count";
}

async function walkCursor(handle: DatabaseHandle, rows: number): Promise<string> {
  const pageSize = 100;
  let cursor: string | null = null;
  let walked = 0;
  while (walked < rows) {
    const page = await listPaymentsPage(
      handle.db,
      parsePaymentListQuery({ size: String(pageSize), cursor: cursor ?? undefined }),
    );
    walked += page.rows.length;
    cursor = page.nextCursor;
    if (!cursor) throw new Error(`the list ended after ${walked} rows, before ${rows}`);
  }
  return cursor!;
}

async function runCase(handle: DatabaseHandle, c: DbCase): Promise<{ samples: number[]; rows: string }> {
  let rows = "";
  const once = async () => {
    if (c.kind === "count") {
      const r = await countPaymentsCapped(handle.db, c.query);
      rows = `${r.count}${r.capped ? "+" : ""}`;
    } else {
      const r = await listPaymentsPage(handle.db, c.query);
      rows = String(r.rows.length);
    }
  };
  const samples = await time(once);
  return { samples, rows };
}

/** The statements one run of a case sends, with their parameters, and their plans. */
async function explainCase(c: DbCase): Promise<void> {
  const statements: { query: string; params: unknown[] }[] = [];
  const client = postgres(BENCH_URL, {
    max: 1,
    ...quiet,
    debug: (_conn, query, params) => statements.push({ query, params: params as unknown[] }),
  });
  const raw = postgres(BENCH_URL, { max: 1, ...quiet });
  try {
    const db = drizzleOverPostgres(client);
    if (c.kind === "count") await countPaymentsCapped(db, c.query);
    else await listPaymentsPage(db, c.query);
    console.log(`\n--- ${c.label} ${c.detail}`);
    for (const s of statements) {
      // The list's own statements (not BEGIN/SET/COMMIT, nor the driver's type lookup).
      if (!/^\s*select/i.test(s.query) || !/"(payments|customers)"/.test(s.query)) continue;
      const shown = s.params.map((p) =>
        typeof p === "string" && p.length > 60 ? `${p.slice(0, 57)}...` : p,
      );
      console.log(`  ${s.query.replace(/\s+/g, " ")}\n  params ${JSON.stringify(shown)}`);
      // An unnamed statement: planned with these values, like the app's custom plans.
      const plan = await raw.unsafe(`explain (analyze, buffers) ${s.query}`, s.params as never[]);
      for (const row of plan) console.log(`    ${String(row["QUERY PLAN"]).slice(0, 220)}`);
    }
  } finally {
    await client.end({ timeout: 5 });
    await raw.end({ timeout: 5 });
  }
}

// ---------------------------------------------------------------------------------------
// HTTP: npm start, sign in, GET /payments

/** A signed-in /payments response: 200 and the page itself, not the sign-in form. */
async function getPage(url: string, jar: CookieJar): Promise<{ ok: true } | { ok: false; problem: string }> {
  const res = await fetch(url, { redirect: "manual", headers: { cookie: jar.header() } });
  const body = await res.text();
  if (res.status !== 200) {
    return {
      ok: false,
      problem: `status ${res.status}${res.headers.get("location") ? ` → ${res.headers.get("location")}` : ""}`,
    };
  }
  const isPaymentsPage = /<title>[^<]*Payments/i.test(body) || /<h1[^>]*>\s*Payments\s*</i.test(body);
  if (/type="password"/.test(body) || !isPaymentsPage) {
    return { ok: false, problem: "status 200 but the body is not the payments page (the sign-in form?)" };
  }
  return { ok: true };
}

async function runHttp(handle: DatabaseHandle): Promise<{ results: CaseResult[]; note: string | null }> {
  if (!hasProductionBuild()) {
    return {
      results: [],
      note: "no production build (.next/BUILD_ID): run `npm run build` first; HTTP part skipped",
    };
  }
  const admin = await ensureBenchAdmin(handle);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(`\nHTTP: npm start on port ${port} (bench admin ${BENCH_ADMIN_EMAIL} ${admin})`);
  const server = startServer(port, BENCH_URL);
  try {
    const t0 = performance.now();
    await waitForHealth(base, server.child);
    console.log(`  /api/health 200 after ${seconds(performance.now() - t0)}`);
    const session = await signIn(base, "/payments");
    if (!session.ok) {
      return { results: [], note: `sign-in failed: ${session.problem}; HTTP part skipped` };
    }
    const urls = [
      { label: "(h1) GET /payments", detail: "", path: "/payments" },
      {
        label: "(h2) GET /payments",
        detail: `?status=succeeded&q=${FRAGMENT}`,
        path: `/payments?status=succeeded&q=${encodeURIComponent(FRAGMENT)}`,
      },
    ];
    const results: CaseResult[] = [];
    for (const u of urls) {
      const first = await getPage(`${base}${u.path}`, session.jar);
      if (!first.ok) {
        return { results, note: `GET ${u.path}: ${first.problem}; HTTP part stopped` };
      }
      let bad: string | null = null;
      const samples = await time(async () => {
        const r = await getPage(`${base}${u.path}`, session.jar);
        if (!r.ok && bad === null) bad = r.problem;
      });
      if (bad !== null) return { results, note: `GET ${u.path} during the timed runs: ${bad}` };
      results.push({
        label: u.label,
        detail: u.detail,
        rows: "page",
        latency: summarize(samples),
        targetMs: HTTP_TARGET_P95_MS,
      });
    }
    return { results, note: null };
  } catch (err) {
    const tail = server.log().trim().split("\n").slice(-15).join("\n    ");
    return { results: [], note: `${(err as Error).message}\n  server output (tail):\n    ${tail}` };
  } finally {
    await stopServer(server.child);
  }
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = performance.now();
  console.log("Paydesk list benchmark: keyset pages and capped counts on 1M payments / 100k customers");
  console.log(`  database ${redact(BENCH_URL)}${REFILL ? " (--refill)" : ""}`);

  const created = await ensureDatabase(BENCH_URL);
  const handle = await openDatabase({ url: BENCH_URL });
  const raw = postgres(BENCH_URL, { max: 1, ...quiet });
  const dbResults: CaseResult[] = [];
  let httpResults: CaseResult[] = [];
  let httpNote: string | null = null;
  let fillMs: number | null = null;
  try {
    await migrateDatabase(handle);
    await ensurePlans(handle.db);
    let counts = await tableCounts(raw);
    const reuse = !REFILL && counts.payments === PAYMENTS && counts.customers === CUSTOMERS;
    if (reuse) {
      console.log(
        `  reusing the existing data (${PAYMENTS.toLocaleString("en")} payments); --refill rebuilds it`,
      );
    } else {
      console.log(
        `  ${created ? "created the database; " : ""}filling (found ${counts.payments} payments, ${counts.customers} customers)…`,
      );
      const t0 = performance.now();
      const f = await fill(raw);
      fillMs = performance.now() - t0;
      counts = await tableCounts(raw);
      console.log(
        `  filled in ${seconds(fillMs)}: customers ${seconds(f.customersMs)}, payments ${seconds(f.paymentsMs)}, ` +
          `vacuum+analyze ${seconds(f.analyzeMs)}`,
      );
      if (counts.payments !== PAYMENTS || counts.customers !== CUSTOMERS) {
        throw new Error(`fill produced ${counts.payments} payments and ${counts.customers} customers`);
      }
    }

    const [info] = await raw<
      {
        version: string;
        shared_buffers: string;
        work_mem: string;
        size: string;
        matched: number;
        succeeded: number;
      }[]
    >`
      select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
             current_setting('work_mem') as work_mem,
             pg_size_pretty(pg_total_relation_size('payments')) as size,
             (select count(*)::int from customers
               where lower(email) like ${`%${FRAGMENT}%`} or lower(name) like ${`%${FRAGMENT}%`}) as matched,
             (select count(*)::int from payments where status = 'succeeded') as succeeded`;
    const cpus = os.cpus();
    console.log(
      `  machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), ${round(os.totalmem() / 2 ** 30, 1)} GiB RAM; ` +
        `node ${process.version}`,
    );
    console.log(
      `  PostgreSQL ${info?.version} (shared_buffers ${info?.shared_buffers}, work_mem ${info?.work_mem}); ` +
        `payments table with indexes ${info?.size}`,
    );
    console.log(
      `  rows: ${counts.customers.toLocaleString("en")} customers, ${counts.payments.toLocaleString("en")} payments ` +
        `(${info?.succeeded.toLocaleString("en")} succeeded); fragment "${FRAGMENT}" matches ` +
        `${info?.matched.toLocaleString("en")} customers`,
    );
    console.log(`  fill: ${fillMs === null ? "reused (no fill this run)" : seconds(fillMs)}`);

    const deepCursor = await walkCursor(handle, DEEP_ROWS);
    const filtered = { status: "succeeded", q: FRAGMENT };
    const cases: DbCase[] = [
      { label: "(a) page 1", detail: "created desc", query: parsePaymentListQuery({}), kind: "page" },
      {
        label: "(b) page 10,000 rows deep",
        detail: "created desc",
        query: parsePaymentListQuery({ cursor: deepCursor }),
        kind: "page",
      },
      {
        label: "(c) page 1",
        detail: `status=succeeded q=${FRAGMENT}`,
        query: parsePaymentListQuery(filtered),
        kind: "page",
      },
      {
        label: "(d) page 1",
        detail: "sort=amount desc",
        query: parsePaymentListQuery({ sort: "amount" }),
        kind: "page",
      },
      {
        label: "(e) capped count",
        detail: `status=succeeded q=${FRAGMENT}`,
        query: parsePaymentListQuery(filtered),
        kind: "count",
      },
      { label: "(f) capped count", detail: "no filter", query: parsePaymentListQuery({}), kind: "count" },
    ];
    if (cases[1]!.query.cursor === null) throw new Error("the deep cursor did not parse");

    for (const c of cases) {
      const { samples, rows } = await runCase(handle, c);
      dbResults.push({
        label: c.label,
        detail: c.detail,
        rows,
        latency: summarize(samples),
        targetMs: DB_TARGET_P95_MS,
      });
    }
    printResults("Database (listPaymentsPage / countPaymentsCapped over openDatabase({ url }))", dbResults);
    if (EXPLAIN) for (const c of cases) await explainCase(c);

    if (SKIP_HTTP) {
      httpNote = "skipped (--skip-http)";
    } else {
      const http = await runHttp(handle);
      httpResults = http.results;
      httpNote = http.note;
    }
    if (httpResults.length > 0) printResults("HTTP (npm start, signed in as admin)", httpResults);
    if (httpNote) console.log(`\nHTTP: ${httpNote}`);
  } finally {
    await raw.end({ timeout: 5 });
    await handle.close();
  }

  const totalMs = performance.now() - started;
  console.log(`\nTotal time ${seconds(totalMs)}${fillMs === null ? "" : ` (fill ${seconds(fillMs)})`}`);
  const all = [...dbResults, ...httpResults];
  console.log(
    JSON.stringify({
      bench: "list",
      runs: RUNS,
      warmup: WARMUP,
      fragment: FRAGMENT,
      fillSeconds: fillMs === null ? null : round(fillMs / 1000, 1),
      results: all.map((r) => ({
        case: `${r.label} ${r.detail}`.trim(),
        rows: r.rows,
        p50Ms: round(r.latency.p50, 3),
        p95Ms: round(r.latency.p95, 3),
        p99Ms: round(r.latency.p99, 3),
        maxMs: round(r.latency.max, 3),
        targetP95Ms: r.targetMs,
        pass: r.latency.p95 < r.targetMs,
      })),
      http: httpNote,
      totalSeconds: round(totalMs / 1000, 1),
    }),
  );
  return STRICT && all.some((r) => r.latency.p95 >= r.targetMs) ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
