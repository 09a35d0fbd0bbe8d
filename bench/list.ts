/**
 * Payments list benchmark: the server-driven list (lib/payments/list.ts) on 1,000,000
 * payments over 100,000 customers, then the /payments page served by `next start`.
 *
 * 1. Opens BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/paydesk_bench),
 *    creating and migrating the database when needed, and fills it in SQL
 *    (`insert … select … from generate_series`) unless it already holds exactly 1,000,000
 *    payments and 100,000 customers (`--refill` truncates and fills again).
 * 2. Times listPaymentsPage / countPaymentsCapped through openDatabase({ url }), the same
 *    prepared-statement client the app uses: BENCH_WARMUP (20) warm-up runs, then BENCH_RUNS
 *    (200) timed runs per case, one at a time; target p95 < 30 ms.
 * 3. Unless `--skip-http`: with a production build (.next/BUILD_ID), starts `next start` on
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
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql as dsql } from "drizzle-orm";
import postgres from "postgres";
import { type DatabaseHandle, drizzleOverPostgres, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { staffUsers } from "@/db/schema";
import { systemContext } from "@/lib/context";
import { countPaymentsCapped, listPaymentsPage } from "@/lib/payments/list";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { createStaff } from "@/lib/staff/create";
import { hashPassword } from "@/lib/staff/password";
import { type PaymentListQuery, parsePaymentListQuery } from "@/lib/validation/payment-list";
import { intEnv, quiet, redact, table, withDatabase } from "./lib/common";
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

const BENCH_ADMIN_EMAIL = "bench-admin@paydesk.test";
/** Known so that a later run (and a person) can sign in as the bench admin; bench databases only. */
const BENCH_ADMIN_PASSWORD = "bench-list-password-1";

const DB_NAME = decodeURIComponent(new URL(BENCH_URL).pathname.slice(1));
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(DB_NAME)) {
  throw new Error(`the bench database name "${DB_NAME}" is not a plain identifier`);
}

// ---------------------------------------------------------------------------------------
// Output helpers

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------
// Database: create, migrate, fill

async function ensureDatabase(): Promise<boolean> {
  const admin = postgres(withDatabase(BENCH_URL, "postgres"), { max: 1, ...quiet });
  try {
    const [found] = await admin`select 1 as one from pg_database where datname = ${DB_NAME}`;
    if (found) return false;
    await admin.unsafe(`create database "${DB_NAME}"`);
    return true;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

// biome-ignore format: a table of names
const FIRST_NAMES = [
  "Anna", "Olga", "Elena", "Maria", "Irina", "Tatiana", "Natalia", "Svetlana", "Ekaterina", "Yulia",
  "Daria", "Polina", "Ksenia", "Alina", "Victoria", "Sofia", "Anastasia", "Marina", "Valentina", "Lyudmila",
  "Galina", "Nadezhda", "Vera", "Lyubov", "Oksana", "Alexandra", "Kristina", "Veronika", "Milana", "Arina",
  "Ivan", "Dmitry", "Sergey", "Alexey", "Andrey", "Mikhail", "Nikolai", "Pavel", "Vladimir", "Maxim",
  "Artem", "Egor", "Kirill", "Roman", "Denis", "Yuri", "Oleg", "Igor", "Viktor", "Konstantin",
  "Boris", "Grigory", "Fedor", "Timur", "Ruslan", "Stanislav", "Vadim", "Anton", "Leonid", "Gleb",
  "John", "James", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
  "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
  "Emma", "Olivia", "Ava", "Isabella", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn", "Abigail",
  "Liam", "Noah", "Oliver", "Elijah", "Lucas", "Mason", "Logan", "Ethan", "Jacob", "Benjamin",
  "Hiroshi", "Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Hans", "Greta", "Lukas", "Klaus",
  "Pierre", "Camille", "Luca", "Giulia", "Mateo", "Lucia", "Ahmed", "Fatima", "Omar", "Leila",
];

// biome-ignore format: a table of names
const LAST_NAMES = [
  "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov", "Novikov",
  "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Egorov", "Pavlov", "Kozlov",
  "Stepanov", "Nikolaev", "Orlov", "Andreev", "Makarov", "Nikitin", "Zakharov", "Zaitsev", "Soloviev",
  "Borisov", "Yakovlev", "Grigoriev", "Romanov", "Vorobiev", "Sergeev", "Kuzmin", "Frolov", "Alexandrov",
  "Dmitriev", "Korolev", "Gusev", "Kiselev", "Ilyin", "Maximov", "Polyakov", "Sorokin", "Vinogradov",
  "Kovalev", "Belov", "Medvedev", "Antonov", "Tarasov", "Zhukov", "Baranov", "Filippov", "Komarov",
  "Davydov", "Belyaev", "Gerasimov", "Bogdanov", "Osipov", "Sidorov", "Matveev", "Titov", "Markov",
  "Mironov", "Krylov", "Kulikov", "Karpov", "Vlasov", "Melnikov", "Denisov", "Gavrilov", "Tikhonov",
  "Kazakov", "Afanasiev", "Danilov", "Savelyev", "Timofeev", "Fomin", "Chernov", "Abramov", "Martynov",
  "Efimov", "Fedotov", "Shcherbakov", "Nazarov", "Kalinin", "Isaev", "Chernyshev", "Bykov", "Maslov",
  "Rodionov", "Konovalov", "Lazarev", "Voronin", "Klimov", "Filatov", "Ponomarev", "Golubev",
  "Kudryavtsev", "Prokhorov", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
  "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor",
  "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
  "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
  "Roberts", "Carter", "Tanaka", "Suzuki", "Sato", "Watanabe", "Mueller", "Schmidt", "Schneider",
  "Fischer", "Dubois", "Moreau", "Rossi", "Russo", "Ferrari",
];

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
/** Runs `fn` for each of PARTS slices of 1..total, each on a session of its own, in parallel. */
async function inParallel(
  total: number,
  fn: (sql: postgres.Sql, first: number, last: number, part: number) => Promise<unknown>,
): Promise<void> {
  const size = Math.ceil(total / FILL_PARTS);
  await Promise.all(
    Array.from({ length: FILL_PARTS }, async (_, part) => {
      const sql = postgres(BENCH_URL, { max: 1, ...quiet });
      try {
        // Nothing here needs to survive a crash before the next checkpoint: skip the WAL flush
        // wait at commit, and make each session's random() sequence reproducible.
        await sql`set synchronous_commit = off`;
        await sql`select setseed(${0.4242 / (part + 1)})`;
        await fn(sql, part * size + 1, Math.min(total, (part + 1) * size), part);
      } finally {
        await sql.end({ timeout: 5 });
      }
    }),
  );
}

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
  await inParallel(
    CUSTOMERS,
    (sql, first, last) => sql`
    insert into customers (id, email, name, external_ref, created_at, updated_at)
    select md5('bench-customer-' || i)::uuid,
           lower(fn) || '.' || lower(ln) || '.' || i || '@example.com',
           fn || ' ' || ln,
           'bench-' || i,
           created, created
    from (
      select i,
             (${FIRST_NAMES}::text[])[1 + floor(random() * ${FIRST_NAMES.length})::int] as fn,
             (${LAST_NAMES}::text[])[1 + floor(random() * ${LAST_NAMES.length})::int] as ln,
             ${anchor}::timestamptz - interval '760 days' + i * interval '730 days' / ${CUSTOMERS} as created
      from generate_series(${first}::int, ${last}::int) as i
    ) s`,
  );
  const customersMs = performance.now() - t;

  t = performance.now();
  await inParallel(
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
// HTTP: next start, sign in, GET /payments

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

class CookieJar {
  private cookies = new Map<string, string>();
  take(res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  has(prefix: string): boolean {
    return [...this.cookies.keys()].some((k) => k.startsWith(prefix));
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

async function ensureBenchAdmin(handle: DatabaseHandle): Promise<"created" | "reused"> {
  const [existing] = await handle.db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(dsql`lower(${staffUsers.email}) = ${BENCH_ADMIN_EMAIL}`);
  if (!existing) {
    await createStaff(systemContext(handle.db, "system:bootstrap"), {
      email: BENCH_ADMIN_EMAIL,
      name: "Bench Admin",
      role: "admin",
      password: BENCH_ADMIN_PASSWORD,
    });
    return "created";
  }
  // From an earlier run: make sure the known password works and the account is usable.
  await handle.db
    .update(staffUsers)
    .set({
      passwordHash: await hashPassword(BENCH_ADMIN_PASSWORD),
      role: "admin",
      disabled: false,
      failedLoginCount: 0,
      lockedUntil: null,
    })
    .where(dsql`${staffUsers.id} = ${existing.id}`);
  return "reused";
}

function startServer(port: number): { child: ChildProcess; log: () => string } {
  const bin = path.resolve("node_modules/.bin/next");
  let output = "";
  const child = spawn(bin, ["start", "-p", String(port)], {
    detached: true, // its own process group: `next start` spawns next-server, and both must go
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: BENCH_URL,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      AUTH_TRUST_HOST: "1",
      PORT: String(port),
    },
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, log: () => output };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup("SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
  if ((await Promise.race([exited, timer])) === "timeout") {
    signalGroup("SIGKILL");
    await exited;
  }
}

async function waitForHealth(base: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`/api/health did not answer 200 within ${timeoutMs / 1000} s (${last})`);
}

type SignIn = { ok: true; jar: CookieJar } | { ok: false; problem: string };

async function signIn(base: string): Promise<SignIn> {
  const jar = new CookieJar();
  const csrf = await fetch(`${base}/api/auth/csrf`, { redirect: "manual" });
  jar.take(csrf);
  if (csrf.status !== 200) return { ok: false, problem: `GET /api/auth/csrf answered ${csrf.status}` };
  const { csrfToken } = (await csrf.json()) as { csrfToken?: string };
  if (!csrfToken) return { ok: false, problem: "GET /api/auth/csrf gave no csrfToken" };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({
      csrfToken,
      email: BENCH_ADMIN_EMAIL,
      password: BENCH_ADMIN_PASSWORD,
      callbackUrl: `${base}/payments`,
    }),
  });
  await res.arrayBuffer();
  jar.take(res);
  if (!jar.has("authjs.session-token") && !jar.has("__Secure-authjs.session-token")) {
    return {
      ok: false,
      problem: `POST /api/auth/callback/credentials answered ${res.status}, location ${res.headers.get("location") ?? "(none)"}, no session cookie`,
    };
  }
  return { ok: true, jar };
}

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
  if (!existsSync(path.resolve(".next/BUILD_ID"))) {
    return {
      results: [],
      note: "no production build (.next/BUILD_ID): run `npm run build` first; HTTP part skipped",
    };
  }
  const admin = await ensureBenchAdmin(handle);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(`\nHTTP: next start on port ${port} (bench admin ${BENCH_ADMIN_EMAIL} ${admin})`);
  const server = startServer(port);
  try {
    const t0 = performance.now();
    await waitForHealth(base, server.child);
    console.log(`  /api/health 200 after ${seconds(performance.now() - t0)}`);
    const session = await signIn(base);
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

  const created = await ensureDatabase();
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
    if (httpResults.length > 0) printResults("HTTP (next start, signed in as admin)", httpResults);
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
