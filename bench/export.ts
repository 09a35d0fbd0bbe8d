/**
 * Audit export and customer search benchmark (issue 4, "Speed").
 *
 * 1. Opens BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/paydesk_bench),
 *    creating and migrating the database when needed, and fills audit_log in SQL with
 *    3,000,000 entries unless it already holds them (`--refill` empties audit_log and fills
 *    again). The entries are spread evenly over 900 days from 2022-01-01 UTC, so each
 *    300-day third holds exactly 1,000,000; the export selects the middle third by day
 *    (`from=2022-10-28&to=2023-08-23`, `to` inclusive). Entries written while the bench runs
 *    (the sign-in, the export's own entry) fall today, outside the span.
 *    Hashes are well-formed but NOT valid (`audit verify` would fail on these rows): the
 *    timings do not depend on them. chain_key/chain_seq are unique, as the schema demands.
 * 2. psql: `\copy (select … the same rows, same order …) to '/dev/null'`, then the same to
 *    stdout counted by `wc -c` (for the byte count); the faster one is psql's throughput.
 * 3. Unless `--skip-http`: with a production build (.next/BUILD_ID in the working directory),
 *    starts `npm start` against the bench database, signs in as the bench admin, warms the
 *    route with a one-day export, then times GET /audit/export of the middle third while
 *    sampling the server process's VmRSS every 100 ms. Counts the CSV records received
 *    (line feeds, less those inside fields as the database counts them), checks the header, the
 *    count and the first and last ids; then hangs up a second download after 1 s and looks for
 *    busy backends 2 s later. Targets: ≥ 0.8× psql's rows/s, RSS growth < 50 MB, first byte
 *    < 200 ms, no busy backend.
 * 4. Unless `--skip-search`: times searchCustomers (lib/customers/search.ts) and the
 *    /customers list query (listCustomersPage, lib/customers/list.ts) for fragments of real
 *    emails over 100,000 customers (bench:list's, or made here when there are none):
 *    BENCH_WARMUP (20) warm-up then BENCH_RUNS (200) timed runs each; target p95 < 30 ms.
 *
 *   npm run bench:export
 *   npm run bench:export -- --refill --skip-search
 *
 * Env: BENCH_DATABASE_URL, BENCH_RUNS, BENCH_WARMUP, BENCH_FILL_SESSIONS, BENCH_STRICT=1
 * (exit 2 when a target is missed).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { AUDIT_CSV_COLUMNS } from "@/lib/audit/csv";
import { listCustomersPage } from "@/lib/customers/list";
import { searchCustomers } from "@/lib/customers/search";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { parseCustomerListQuery } from "@/lib/validation/customer-list";
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
  if (!["--refill", "--skip-http", "--skip-search"].includes(a)) {
    throw new Error(`unknown argument ${a} (expected --refill, --skip-http, --skip-search)`);
  }
}
const REFILL = args.has("--refill");
const SKIP_HTTP = args.has("--skip-http");
const SKIP_SEARCH = args.has("--skip-search");

const BENCH_URL = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/paydesk_bench";
const RUNS = intEnv("BENCH_RUNS", 200, 1);
const WARMUP = intEnv("BENCH_WARMUP", 20);
const STRICT = process.env.BENCH_STRICT === "1";
const FILL_PARTS = intEnv("BENCH_FILL_SESSIONS", Math.min(4, Math.max(1, os.cpus().length)), 1);
// Fails early on a name that could not go into `create database` unquoted.
databaseName(BENCH_URL);

const AUDIT_ROWS = 3_000_000;
const EXPORT_ROWS = 1_000_000;
const CUSTOMERS = 100_000;
/** Distinct actor/action/before/after combinations the fill draws from (a prime, see makePool). */
const POOL_SIZE = 10_007;
const POOL_TABLE = "bench_audit_pool";
/** Rows per INSERT statement of the fill (each session runs several, for progress output). */
const FILL_STATEMENT_ROWS = 250_000;

/** The span the fill covers: 900 days in three 300-day thirds of exactly 1,000,000 entries. */
const SPAN_START = "2022-01-01T00:00:00.000Z";
const SPAN_END = "2024-06-19T00:00:00.000Z";
const DAY_MS = 86_400_000;
/** The time between consecutive entries: 300 days / 1,000,000 = 25.92 s. */
const STEP_MS = (300 * DAY_MS) / EXPORT_ROWS;
/** The middle third as /audit filters: whole UTC days, `to` inclusive (lib/validation/audit-list.ts). */
const EXPORT_FROM_DAY = "2022-10-28";
const EXPORT_TO_DAY = "2023-08-23";
const EXPORT_FROM = "2022-10-28T00:00:00.000Z";
/** Exclusive: the day after EXPORT_TO_DAY. */
const EXPORT_UNTIL = "2023-08-24T00:00:00.000Z";
/** The warm-up export: one day, 3,333 entries. */
const WARMUP_DAY = "2022-06-01";

const THROUGHPUT_TARGET = 0.8;
const MEMORY_TARGET_MB = 50;
const FIRST_BYTE_TARGET_MS = 200;
/** The abandoned download: cut after this long, and the database looked at this long after. */
const ABANDON_AFTER_MS = 1_000;
const BUSY_CHECK_AFTER_MS = 2_000;
const SEARCH_TARGET_P95_MS = 30;

// ---------------------------------------------------------------------------------------
// Output helpers

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => bytes / 1e6;
const int = (n: number) => n.toLocaleString("en");
const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
/** The machine is shared: the 1-minute load average next to a figure says how busy it was. */
const load = () => `load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`;

// ---------------------------------------------------------------------------------------
// Fill

// biome-ignore format: a table
const STAFF = [
  { email: "irina.sokolova@paydesk.test", role: "admin" },
  { email: "pavel.orlov@paydesk.test", role: "admin" },
  { email: "emma.clark@paydesk.test", role: "admin" },
  { email: "olga.petrova@paydesk.test", role: "support" },
  { email: "denis.volkov@paydesk.test", role: "support" },
  { email: "sarah.miller@paydesk.test", role: "support" },
  { email: "kenji.sato@paydesk.test", role: "support" },
  { email: "vera.lebedeva@paydesk.test", role: "auditor" },
  { email: "lukas.fischer@paydesk.test", role: "auditor" },
];

/** Reasons staff give; a few start with = + - @ or a tab, or hold quotes, commas and line breaks. */
// biome-ignore format: a table
const REASONS = [
  "Customer paid by bank transfer, ref 48213",
  "Duplicate charge",
  "Goodwill extension after the outage",
  "Paid in cash at the office",
  "Wrong plan selected; corrected",
  "Chargeback dispute resolved in our favour",
  'Customer wrote: "please refund, I was charged twice"\nSecond line from the ticket',
  "=HYPERLINK(\"http://evil.example/x\",\"Open invoice\")",
  "+7 days goodwill",
  "-1 day correction, clock skew",
  "@ops asked to refund the duplicate",
  "\tindented note pasted from a spreadsheet",
  "Refund approved by finance (ticket #5531)",
  "Customer moved to the family plan",
];

/** What people type into the sign-in form with an unknown address, formula-shaped ones included. */
// biome-ignore format: a table
const TYPED_EMAILS = [
  "admin@paydesk.test", "root@localhost", "support@paydesk.tes", "test@test.com", "irina@paydesk.test",
  "=cmd|' /C calc'!A0@evil.example", "+1-555-0100@example.com", "-2+3@example.com", "@everyone@example.com",
];

// biome-ignore format: a table
const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
];

/** An index of audit_log as the catalog defines it (a row of SAVED_DDL_TABLE). */
interface SavedIndex {
  name: string;
  /** Set for the primary key and unique constraints, which are re-added as constraints. */
  constraint_def: string | null;
  index_def: string;
}

/**
 * Rebuilding the indexes after the bulk insert is several times faster than maintaining them
 * row by row. Their definitions are read from the catalog (so a migration that changes them is
 * followed) and kept in a table until they are back, so an interrupted fill cannot leave the
 * bench database without them: the next run restores them first.
 */
const SAVED_DDL_TABLE = "bench_saved_audit_indexes";

async function savedIndexes(raw: postgres.Sql): Promise<SavedIndex[]> {
  await raw.unsafe(
    `create table if not exists ${SAVED_DDL_TABLE} (name text primary key, constraint_def text, index_def text not null)`,
  );
  return raw<SavedIndex[]>`select name, constraint_def, index_def from ${raw(SAVED_DDL_TABLE)}`;
}

/** Builds the indexes saved aside (those still missing), then forgets them. */
async function restoreSavedIndexes(raw: postgres.Sql): Promise<void> {
  const saved = await savedIndexes(raw);
  if (saved.length === 0) return;
  // Constraints first (the primary key), then the rest, FILL_PARTS at a time: building two
  // btrees at once uses both cores.
  const constraints = saved.filter((s) => s.constraint_def !== null);
  const plain = saved.filter((s) => s.constraint_def === null);
  const build = async (sql: postgres.Sql, s: SavedIndex) => {
    const [exists] = await sql`select 1 as one from pg_class where relname = ${s.name}`;
    if (!exists) {
      await sql.unsafe(
        s.constraint_def !== null
          ? `alter table audit_log add constraint "${s.name}" ${s.constraint_def}`
          : s.index_def,
      );
    }
    await sql`delete from ${sql(SAVED_DDL_TABLE)} where name = ${s.name}`;
  };
  const sessions = Array.from({ length: FILL_PARTS }, () => postgres(BENCH_URL, { max: 1, ...quiet }));
  try {
    for (const sql of sessions) await sql`set maintenance_work_mem = '512MB'`;
    const queue = [...constraints, ...plain];
    // The constraints alter the table (an exclusive lock): one at a time, before the indexes.
    for (const s of constraints) await build(sessions[0]!, s);
    queue.splice(0, constraints.length);
    await Promise.all(
      sessions.map(async (sql) => {
        for (let s = queue.shift(); s; s = queue.shift()) await build(sql, s);
      }),
    );
  } finally {
    await Promise.all(sessions.map((s) => s.end({ timeout: 5 })));
  }
}

async function auditCounts(raw: postgres.Sql): Promise<{ span: number; middle: number; total: number }> {
  const [row] = await raw<{ span: number; middle: number; total: number }[]>`
    select count(*) filter (where occurred_at >= ${SPAN_START}::timestamptz and occurred_at < ${SPAN_END}::timestamptz)::int as span,
           count(*) filter (where occurred_at >= ${EXPORT_FROM}::timestamptz and occurred_at < ${EXPORT_UNTIL}::timestamptz)::int as middle,
           count(*)::int as total
    from audit_log`;
  return { span: row?.span ?? 0, middle: row?.middle ?? 0, total: row?.total ?? 0 };
}

/**
 * 3,000,000 entries in SQL, in time order, one every 25.92 s from SPAN_START (at the middle
 * of each step, so no entry sits on a day boundary). Actor, action, before/after, reason,
 * address and user agent come from a pool of POOL_SIZE entries drawn with seeded random()
 * (makePool); ids, times, request ids, chain positions and hashes are the row's own. The pool:
 *  - action: payment.create 30 %, payment.status_change 18 %, payment.refund 5 %,
 *    payment.update 3 %, subscription.extend 20 %, subscription.revoke 2 %, customer.create 2 %,
 *    staff.sign_in 13 %, staff.sign_in_failed 4 % (half of them for an unknown typed address),
 *    staff.lock_out 1 %, audit.export 2 %;
 *  - actor: payments and extensions come 55 % from the providers (system:stripe 60 %,
 *    system:yookassa, via webhook, with their user agents and addresses), the rest and every
 *    refund, update, revoke and customer.create from one of 3 admins (web 90 %, cli 10 %);
 *    sign-ins from any of 9 staff, failures as system:sign-in; exports by admins and auditors;
 *  - before/after: the app's own snapshots (lib/payments/snapshot.ts, the subscription
 *    snapshot with its grant, sign-in outcomes, export filters): ~0.4–1.2 kB of jsonb a row;
 *  - reason on staff changes from REASONS (some start with = + - @ or a tab, one holds quotes,
 *    a comma and a line break), entity ids of typed addresses likewise;
 *  - entity ids (the row's own): the bench payments and customers (md5('bench-payment-N') …), so entries
 *    point at rows bench:list made. chain_key = entity_type:entity_id; chain_seq is unique in
 *    each chain (the entity's k-th appearance for payments, subscriptions and customers, the
 *    row number for staff and sign-in chains); prev_hash/hash are sha256 of the chain
 *    position, well-formed but not the real content hashes.
 */
async function fillAudit(
  raw: postgres.Sql,
): Promise<{ insertMs: number; indexMs: number; vacuumMs: number }> {
  const [plan] = await raw<{ ids: string[] | null }[]>`
    select array_agg(id::text order by price_minor) as ids from plans where code in ('basic', 'premium', 'family')`;
  const planIds = plan?.ids ?? [];
  if (planIds.length !== 3) throw new Error("the basic, premium and family plans are missing");

  // Save the index definitions, drop them, and empty the table, in one transaction. The
  // append-only triggers are disabled for the TRUNCATE only (a bench database).
  await raw.begin(async (tx) => {
    const indexes = await tx<SavedIndex[]>`
      select i.relname as name, pg_get_constraintdef(c.oid) as constraint_def, pg_get_indexdef(i.oid) as index_def
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = x.indrelid and c.contype in ('p', 'u')
      where x.indrelid = 'audit_log'::regclass`;
    for (const ix of indexes) {
      await tx`insert into ${tx(SAVED_DDL_TABLE)} (name, constraint_def, index_def)
               values (${ix.name}, ${ix.constraint_def}, ${ix.index_def}) on conflict (name) do nothing`;
      if (ix.constraint_def !== null) await tx.unsafe(`alter table audit_log drop constraint "${ix.name}"`);
      else await tx.unsafe(`drop index "${ix.name}"`);
    }
    await tx.unsafe("alter table audit_log disable trigger user");
    await tx.unsafe("truncate table audit_log");
    await tx.unsafe("alter table audit_log enable trigger user");
  });

  let t = performance.now();
  try {
    await insertAudit(raw, planIds);
  } catch (err) {
    // Put the indexes back before failing, rather than leave it to the next run.
    await restoreSavedIndexes(raw);
    throw err;
  }
  process.stdout.write("\n");
  const insertMs = performance.now() - t;

  t = performance.now();
  await restoreSavedIndexes(raw);
  const indexMs = performance.now() - t;

  t = performance.now();
  // VACUUM as well: sets hint bits and the visibility map now rather than during the timed runs.
  await raw.unsafe("vacuum (analyze) audit_log");
  const vacuumMs = performance.now() - t;
  return { insertMs, indexMs, vacuumMs };
}

/**
 * The varied columns (actor, action, before/after, reason, address, user agent) of POOL_SIZE
 * entries, generated with the app's snapshot shapes; the fill draws row n's from entry
 * n % POOL_SIZE. Building the jsonb per row made the fill CPU-bound at well over ten minutes on
 * two cores; copying it from the pool keeps each row's size and shape, while ids and dates
 * inside before/after repeat with the pool's period instead of matching the row.
 */
async function makePool(raw: postgres.Sql, planIds: string[]): Promise<void> {
  const staffEmails = STAFF.map((s) => s.email);
  const staffRoles = STAFF.map((s) => s.role);
  await raw`select setseed(0.2718)`;
  // ISO 8601 in UTC with milliseconds, as Date.toISOString() writes the app's own snapshots.
  await raw.unsafe(`create or replace function pg_temp.bench_iso(t timestamptz) returns text language sql immutable
    as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$`);
  await raw.unsafe(`drop table if exists ${POOL_TABLE}`);
  await raw`
    create unlogged table ${raw(POOL_TABLE)} as
    select n % ${POOL_SIZE} as k,
           case when sk is null then 'system' else 'staff' end as actor_type,
           coalesce(md5('bench-staff-' || sk)::uuid::text, sys) as actor_id,
           (${staffEmails}::text[])[sk] as actor_email, (${staffRoles}::text[])[sk] as actor_role,
           via, action, etype,
           case when etype in ('staff', 'sign_in') then eid end as static_eid,
           before, after,
           case when sk is not null and etype in ('payment', 'subscription')
                then (${REASONS}::text[])[1 + floor(r_r * ${REASONS.length})::int] end as reason,
           case via when 'cli' then null
                    when 'webhook' then case sys when 'system:stripe'
                      then (array['3.18.12.63', '3.130.192.231', '13.235.14.237', '54.187.174.169'])[1 + n % 4]
                      else '185.71.76.' || (n % 32) end
                    else '10.8.' || coalesce(sk, 0) || '.' || (1 + n % 200) end as ip,
           case via when 'cli' then null
                    when 'webhook' then case sys when 'system:stripe'
                      then 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' else 'YooKassa' end
                    else (${USER_AGENTS}::text[])[1 + (n + coalesce(sk, 0)) % ${USER_AGENTS.length}] end as user_agent
    from (
      select n, at, sk, sys, via, action, etype, r_r, eid, seq,
             case
               when action = 'payment.status_change' then pay || '{"status": "pending", "version": 1}'
               when action = 'payment.refund' then pay || '{"status": "succeeded", "version": 2}'
               when action = 'payment.update' then pay || '{"status": "succeeded", "version": 3}'
               when action in ('subscription.extend', 'subscription.revoke') then sub
             end as before,
             case
               when action = 'payment.create'
                 then pay || jsonb_build_object('status', case when sk is null then 'pending' else 'succeeded' end)
               when action = 'payment.status_change' then pay || '{"status": "succeeded", "version": 2}'
               when action = 'payment.refund' then pay || jsonb_build_object(
                 'status', 'refunded', 'refundedMinor', amount::text, 'version', 3,
                 'refund', jsonb_build_object('id', md5('bench-refund-' || n)::uuid, 'amountMinor', amount::text,
                                              'providerRefundId', null, 'revokeAccess', r_x < 0.5))
               when action = 'payment.update' then pay || jsonb_build_object(
                 'status', 'succeeded', 'description', 'Subscription, renewed by phone', 'version', 4,
                 'metadata', jsonb_build_object('ticket', 'SUP-' || (n % 9000 + 1000), 'note', 'changed on request'))
               when action = 'subscription.extend' then jsonb_build_object(
                 'status', 'active', 'currentPeriodEnd', pg_temp.bench_iso(at + interval '33 days'), 'version', seq + 1,
                 'grant', jsonb_build_object('paymentId', md5('bench-payment-' || (idx % 1000000 + 1))::uuid,
                                             'days', 30, 'periodStart', pg_temp.bench_iso(at + interval '3 days'),
                                             'periodEnd', pg_temp.bench_iso(at + interval '33 days')))
               when action = 'subscription.revoke' then jsonb_build_object(
                 'status', 'expired', 'currentPeriodEnd', pg_temp.bench_iso(at - interval '27 days'), 'version', seq + 1,
                 'revokedGrant', jsonb_build_object('paymentId', md5('bench-payment-' || (idx % 1000000 + 1))::uuid, 'days', 30))
               when action = 'customer.create' then jsonb_build_object(
                 'email', 'customer.' || (idx % 100000 + 1) || '@example.com',
                 'name', 'Bench Customer ' || (idx % 100000 + 1), 'externalRef', 'bench-' || (idx % 100000 + 1))
               when action = 'staff.sign_in' then jsonb_build_object('lastLoginAt', pg_temp.bench_iso(at))
               when action = 'staff.sign_in_failed' and etype = 'sign_in'
                 then jsonb_build_object('email', eid, 'outcome', 'invalid')
               when action = 'staff.sign_in_failed' then jsonb_build_object(
                 'email', (${staffEmails}::text[])[target], 'outcome', 'invalid', 'failedLoginCount', 1 + n % 4)
               when action = 'staff.lock_out' then jsonb_build_object(
                 'email', (${staffEmails}::text[])[target], 'lockedUntil', pg_temp.bench_iso(at + interval '15 minutes'))
               when action = 'audit.export' then jsonb_build_object(
                 'format', 'csv',
                 'filters', jsonb_build_object(
                   'from', to_char(at - interval '30 days', 'YYYY-MM-DD'), 'to', to_char(at, 'YYYY-MM-DD'),
                   'actor', null, 'action', '[]'::jsonb, 'entityType', 'payment', 'entityId', null),
                 'query', 'from=' || to_char(at - interval '30 days', 'YYYY-MM-DD') || '&to=' || to_char(at, 'YYYY-MM-DD')
                          || '&entityType=payment',
                 'viewer', jsonb_build_object('id', md5('bench-staff-' || sk)::uuid, 'email', (${staffEmails}::text[])[sk],
                                              'role', (${staffRoles}::text[])[sk]),
                 'upTo', pg_temp.bench_iso(at))
             end as after
      from (
        select *,
               -- a payment as lib/payments/snapshot.ts records it (bigints as strings)
               jsonb_build_object(
                 'status', 'pending', 'amountMinor', amount::text, 'refundedMinor', '0', 'currency', currency,
                 'kind', case provider when 'manual' then 'manual' else 'provider' end, 'provider', provider,
                 'providerPaymentId', case provider when 'stripe' then 'pi_' || substr(md5('pi' || idx), 1, 24)
                                                    when 'yookassa' then md5('yk' || idx)::uuid::text end,
                 'customerId', cust, 'planId', (${planIds}::text[])[1 + idx % 3],
                 'method', case provider when 'manual' then 'bank_transfer' else 'card' end,
                 'description', 'Subscription',
                 'metadata', case provider when 'manual' then '{}'::jsonb
                   else jsonb_build_object('paydesk_customer', cust,
                                           'paydesk_plan', (array['basic', 'premium', 'family'])[1 + idx % 3]) end,
                 'grantDays', null, 'version', 1) as pay,
               jsonb_build_object('status', 'active', 'currentPeriodEnd', pg_temp.bench_iso(at + interval '3 days'),
                                  'version', seq) as sub
        from (
          select *,
                 case when etype in ('payment', 'subscription') then idx / 1000000 + 1
                      when etype = 'customer' then idx / 100000 + 1
                      when etype = 'audit_log' then 1
                      else n end as seq,
                 case etype
                   when 'payment' then md5('bench-payment-' || (idx % 1000000 + 1))::uuid::text
                   when 'subscription' then md5('bench-subscription-' || (idx % 1000000 + 1))::uuid::text
                   when 'customer' then cust
                   when 'staff' then md5('bench-staff-' || coalesce(sk, target))::uuid::text
                   when 'sign_in' then (${TYPED_EMAILS}::text[])[1 + floor(r_r * ${TYPED_EMAILS.length})::int]
                   else 'export:' || md5('bench-request-' || n)::uuid end as eid,
                 case when sk is null and etype in ('payment', 'subscription')
                      then (case sys when 'system:stripe' then 'stripe' else 'yookassa' end)
                      else 'manual' end as provider,
                 case when currency = 'JPY' then (array[300, 600, 900])[1 + idx % 3]
                      when currency = 'RUB' then (array[29900, 59900, 89900])[1 + idx % 3]
                      else (array[499, 999, 1499])[1 + idx % 3] end as amount
          from (
            select *,
                   case when sk is null then sys0 end as sys,
                   case when sk is null then (case when sys0 = 'system:sign-in' then 'web' else 'webhook' end)
                        when action like 'staff.%' or action = 'audit.export' or n % 10 <> 0 then 'web'
                        else 'cli' end as via
            from (
              select *,
                     case when action in ('staff.sign_in_failed', 'staff.lock_out') then null
                          when action = 'staff.sign_in' then 1 + floor(r_w * 9)::int
                          when action = 'audit.export' then (array[1, 2, 3, 8, 9])[1 + floor(r_w * 5)::int]
                          when action in ('payment.create', 'payment.status_change', 'subscription.extend')
                               and r_w < 0.55 then null
                          else 1 + floor(r_x * 3)::int end as sk,
                     case when action in ('staff.sign_in_failed', 'staff.lock_out') then 'system:sign-in'
                          when r_w < 0.33 then 'system:stripe' else 'system:yookassa' end as sys0,
                     case when action = 'audit.export' then 'audit_log'
                          when action = 'staff.sign_in_failed' and r_x < 0.5 then 'sign_in'
                          else split_part(action, '.', 1) end as etype
              from (
                select n, n - 1 as idx, r_w, r_x, r_r,
                       ${SPAN_START}::timestamptz + ((n - 0.5) * ${STEP_MS}::float8) * interval '1 millisecond' as at,
                       md5('bench-customer-' || ((n - 1) % 100000 + 1))::uuid::text as cust,
                       1 + (n / 7) % 9 as target,
                       (array['RUB', 'RUB', 'RUB', 'RUB', 'RUB', 'RUB', 'RUB', 'USD', 'EUR', 'JPY'])[1 + floor(r_c * 10)::int]
                         as currency,
                       case when r_a < 0.30 then 'payment.create' when r_a < 0.48 then 'payment.status_change'
                            when r_a < 0.53 then 'payment.refund' when r_a < 0.56 then 'payment.update'
                            when r_a < 0.76 then 'subscription.extend' when r_a < 0.78 then 'subscription.revoke'
                            when r_a < 0.80 then 'customer.create' when r_a < 0.93 then 'staff.sign_in'
                            when r_a < 0.97 then 'staff.sign_in_failed' when r_a < 0.98 then 'staff.lock_out'
                            else 'audit.export' end as action
                from (
                  select n, random() as r_a, random() as r_w, random() as r_x, random() as r_r, random() as r_c
                  from generate_series(1, ${POOL_SIZE}::int) as n
                ) g
              ) a
            ) b
          ) c
        ) d
      ) e
    ) f`;
  await raw.unsafe(`alter table ${POOL_TABLE} add primary key (k)`);
  await raw.unsafe(`analyze ${POOL_TABLE}`);
}

async function insertAudit(raw: postgres.Sql, planIds: string[]): Promise<void> {
  await makePool(raw, planIds);
  let done = 0;
  await inParallel(BENCH_URL, FILL_PARTS, AUDIT_ROWS, async (sql, first, last) => {
    for (let from = first; from <= last; from += FILL_STATEMENT_ROWS) {
      const to = Math.min(last, from + FILL_STATEMENT_ROWS - 1);
      await sql`
    insert into audit_log (id, occurred_at, actor_type, actor_id, actor_email, actor_role, via, action,
                           entity_type, entity_id, before, after, reason, request_id, ip, user_agent,
                           chain_key, chain_seq, prev_hash, hash)
    select md5('bench-audit-' || n)::uuid, at, actor_type, actor_id, actor_email, actor_role, via, action,
           etype, eid, before, after, reason, md5('bench-request-' || n)::uuid::text, ip, user_agent,
           etype || ':' || eid, seq,
           case when seq > 1 then encode(sha256(convert_to(etype || ':' || eid || '#' || (seq - 1), 'UTF8')), 'hex') end,
           encode(sha256(convert_to(etype || ':' || eid || '#' || seq, 'UTF8')), 'hex')
    from (
      select n, p.*,
             ${SPAN_START}::timestamptz + ((n - 0.5) * ${STEP_MS}::float8) * interval '1 millisecond' as at,
             case p.etype
               when 'payment' then md5('bench-payment-' || ((n - 1) % 1000000 + 1))::uuid::text
               when 'subscription' then md5('bench-subscription-' || ((n - 1) % 1000000 + 1))::uuid::text
               when 'customer' then md5('bench-customer-' || ((n - 1) % 100000 + 1))::uuid::text
               when 'audit_log' then 'export:' || md5('bench-request-' || n)::uuid
               else p.static_eid end as eid,
             -- unique in each chain: the entity's k-th appearance, or the row number
             case when p.etype in ('payment', 'subscription') then (n - 1) / 1000000 + 1
                  when p.etype = 'customer' then (n - 1) / 100000 + 1
                  when p.etype = 'audit_log' then 1
                  else n end as seq
      from generate_series(${from}::int, ${to}::int) as n
      join ${sql(POOL_TABLE)} p on p.k = n % ${POOL_SIZE}
    ) r`;
      done += to - from + 1;
      process.stdout.write(`\r  inserted ${int(done)} / ${int(AUDIT_ROWS)} audit entries…`);
    }
  });
  await raw.unsafe(`drop table ${POOL_TABLE}`);
}

// ---------------------------------------------------------------------------------------
// psql \copy of the same rows

const EXPORT_SELECT =
  `select ${AUDIT_CSV_COLUMNS.join(", ")} from audit_log ` +
  `where occurred_at >= '${EXPORT_FROM}' and occurred_at < '${EXPORT_UNTIL}' order by occurred_at, id`;

interface CopyRun {
  label: string;
  ms: number;
  rows: number | null;
  bytes: number | null;
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited with ${code}: ${err.trim().slice(0, 500)}`));
    });
  });
}

async function psqlCopy(): Promise<CopyRun[]> {
  const env = { ...process.env, BENCH_PSQL_URL: BENCH_URL };
  const runs: CopyRun[] = [];
  // To /dev/null: the rows leave the server and psql writes them nowhere; psql reports the count.
  let t = performance.now();
  const out = await run(
    "psql",
    [
      BENCH_URL,
      "-X",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `\\copy (${EXPORT_SELECT}) to '/dev/null' with (format csv, header)`,
    ],
    env,
  );
  const ms1 = performance.now() - t;
  const copied = /COPY (\d+)/.exec(out);
  runs.push({ label: "to /dev/null", ms: ms1, rows: copied ? Number(copied[1]) : null, bytes: null });
  // To stdout through `wc -c`: the byte count of psql's CSV.
  t = performance.now();
  const counted = await run(
    "bash",
    [
      "-c",
      'set -o pipefail; psql "$BENCH_PSQL_URL" -X -q -v ON_ERROR_STOP=1 -c "$1" | wc -c',
      "bench",
      `\\copy (${EXPORT_SELECT}) to stdout with (format csv, header)`,
    ],
    env,
  );
  runs.push({
    label: "to stdout | wc -c",
    ms: performance.now() - t,
    rows: null,
    bytes: Number(counted.trim()),
  });
  return runs;
}

// ---------------------------------------------------------------------------------------
// HTTP export, with the server's memory sampled from /proc

/**
 * Counts line feeds with the native byte search: the bench client shares the two cores with the
 * server and PostgreSQL it measures, and a byte-by-byte quote tracker in JavaScript cost it ~9 s
 * of CPU per GB. Records are the line feeds minus those inside fields, which the database counts
 * (embeddedLineFeeds) from the same rows.
 */
function countLineFeeds(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Line feeds inside the exported fields of the entries in [from, until): not record ends. */
async function embeddedLineFeeds(raw: postgres.Sql, from: string, until: string): Promise<number> {
  const text = AUDIT_CSV_COLUMNS.map((c) => `coalesce(${c}::text, '')`).join(" || ");
  const [row] = await raw.unsafe<{ n: string }[]>(
    `select coalesce(sum(length(t) - length(replace(t, chr(10), ''))), 0)::text as n
     from (select ${text} as t from audit_log where occurred_at >= $1 and occurred_at < $2) rows`,
    [from, until],
  );
  return Number(row?.n ?? 0);
}

function procStatus(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** `root` and every process below it. */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** The process that serves requests: the one in `npm start`'s tree holding the most memory. */
function serverPid(root: number): number {
  let best = root;
  let bestRss = -1;
  for (const pid of processTree(root)) {
    const rss = procStatus(pid, "VmRSS") ?? -1;
    if (rss > bestRss) {
      best = pid;
      bestRss = rss;
    }
  }
  return best;
}

interface Download {
  status: number;
  contentType: string | null;
  /** The body ended as the server meant it to (not cut short). */
  complete: boolean;
  ms: number;
  firstByteMs: number;
  bytes: number;
  /** Line feeds received (records plus those inside quoted fields). */
  lineFeeds: number;
  head: string;
  tail: string;
  clientCpuSeconds: number;
}

const HEAD_BYTES = 65_536;
/** Enough for the last record (the largest bench entries are ~3 kB). */
const TAIL_BYTES = 16_384;

/**
 * GET with node:http rather than fetch: on two shared cores the client's own CPU is taken from
 * the server it measures, and fetch's web streams cost several times more per byte.
 */
function download(url: string, jar: CookieJar): Promise<Download> {
  return new Promise((resolve, reject) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const req = http.get(url, { headers: { cookie: jar.header() } }, (res) => {
      let firstByteMs = Number.NaN;
      let bytes = 0;
      let lineFeeds = 0;
      const head: Buffer[] = [];
      let headBytes = 0;
      let tail = Buffer.alloc(0);
      res.on("data", (chunk: Buffer) => {
        if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - t0;
        bytes += chunk.length;
        lineFeeds += countLineFeeds(chunk);
        if (headBytes < HEAD_BYTES) {
          head.push(Buffer.from(chunk));
          headBytes += chunk.length;
        }
        // A copy of the last TAIL_BYTES: the chunks' memory may be reused once this returns.
        tail =
          chunk.length >= TAIL_BYTES
            ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
            : Buffer.concat([tail.subarray(Math.max(0, tail.length - (TAIL_BYTES - chunk.length))), chunk]);
      });
      res.on("error", reject);
      res.on("close", () => {
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"] ?? null,
          complete: res.complete,
          ms,
          firstByteMs,
          bytes,
          lineFeeds,
          head: Buffer.concat(head).toString("utf8").slice(0, HEAD_BYTES),
          tail: tail.toString("utf8"),
          clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
        });
      });
    });
    req.on("error", reject);
  });
}

/** Starts a download and hangs up after `afterMs`, as a user closing the tab would. */
function abandonDownload(
  url: string,
  jar: CookieJar,
  afterMs: number,
  beforeCut: () => Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let cut = false;
    const req = http.get(url, { headers: { cookie: jar.header() } }, (res) => {
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("error", () => {});
    });
    req.on("error", (err) => {
      if (!cut) reject(err);
    });
    setTimeout(() => {
      beforeCut().then(
        () => {
          cut = true;
          req.destroy();
          resolve(bytes);
        },
        (err) => {
          req.destroy();
          reject(err);
        },
      );
    }, afterMs);
  });
}

async function busyBackends(raw: postgres.Sql): Promise<Abandoned["busy"]> {
  return raw<Abandoned["busy"]>`
    select pid, coalesce(application_name, '') as application, coalesce(backend_type, '') as type,
      left(query, 80) as query
    from pg_stat_activity
    where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`;
}

interface MemoryTrace {
  pid: number;
  samples: number;
  maxGapMs: number;
  baselineKb: number;
  peakKb: number;
  afterKb: number | null;
  serverCpuSeconds: number | null;
}

interface Abandoned {
  bytes: number;
  /** Backends busy just before the hang-up (the export's own, else the check proves nothing). */
  busyAtCut: number;
  /** Backends of the bench database still running a statement BUSY_CHECK_AFTER_MS after the cut. */
  busy: { pid: number; application: string; type: string; query: string }[];
}

interface HttpResult {
  abandoned: Abandoned;
  warmup: { rows: number; ms: number };
  download: Download;
  rows: number;
  memory: MemoryTrace;
  checks: { label: string; ok: boolean; detail: string }[];
}

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runHttp(
  handle: DatabaseHandle,
  raw: postgres.Sql,
): Promise<{ result: HttpResult | null; note: string | null }> {
  if (!hasProductionBuild()) {
    return {
      result: null,
      note: "no production build (.next/BUILD_ID) in the working directory: run `npm run build` first; HTTP part skipped",
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
    const session = await signIn(base, "/audit");
    if (!session.ok) return { result: null, note: `sign-in failed: ${session.problem}; HTTP part skipped` };

    // One day first, so that loading the route's code is not counted as the export's memory.
    const warm = await download(`${base}/audit/export?from=${WARMUP_DAY}&to=${WARMUP_DAY}`, session.jar);
    if (warm.status !== 200) {
      return {
        result: null,
        note: `GET /audit/export (warm-up) answered ${warm.status}: ${warm.head.slice(0, 300)}`,
      };
    }
    const warmRows =
      warm.lineFeeds -
      1 -
      (await embeddedLineFeeds(raw, `${WARMUP_DAY}T00:00:00.000Z`, dayAfter(WARMUP_DAY)));
    console.log(`  warm-up export of ${WARMUP_DAY}: ${int(warmRows)} rows in ${seconds(warm.ms)}`);

    const pid = serverPid(server.child.pid!);
    await sleep(1000);
    const baselineKb = procStatus(pid, "VmRSS") ?? Number.NaN;
    const cpuBefore = cpuSeconds(pid);
    let peakKb = baselineKb;
    let samples = 0;
    let lastAt = performance.now();
    let maxGapMs = 0;
    const sampler = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - lastAt);
      lastAt = now;
      const rss = procStatus(pid, "VmRSS");
      if (rss !== null) {
        samples++;
        peakKb = Math.max(peakKb, rss);
      }
    }, 100);
    const path = `/audit/export?from=${EXPORT_FROM_DAY}&to=${EXPORT_TO_DAY}`;
    console.log(`  GET ${path} (server pid ${pid}, RSS ${fmt(baselineKb / 1024, 1)} MiB; ${load()})…`);
    let d: Download;
    try {
      d = await download(`${base}${path}`, session.jar);
    } finally {
      clearInterval(sampler);
    }
    const cpuAfter = cpuSeconds(pid);
    await sleep(1000);
    const afterKb = procStatus(pid, "VmRSS");

    // A client that hangs up after a second: the database must stop working for it.
    let busyAtCut = 0;
    const abandonedBytes = await abandonDownload(
      `${base}${path}`,
      session.jar,
      ABANDON_AFTER_MS,
      async () => {
        busyAtCut = (await busyBackends(raw)).length;
      },
    );
    await sleep(BUSY_CHECK_AFTER_MS);
    const abandoned: Abandoned = { bytes: abandonedBytes, busyAtCut, busy: await busyBackends(raw) };
    console.log(
      `  abandoned a second download after ${ABANDON_AFTER_MS} ms (${fmt(mb(abandonedBytes), 1)} MB received, ` +
        `${busyAtCut} busy backend(s) at the hang-up); ` +
        `${abandoned.busy.length} busy backend(s) ${BUSY_CHECK_AFTER_MS} ms later` +
        abandoned.busy.map((b) => `\n    pid ${b.pid} ${b.type} "${b.application}": ${b.query}`).join(""),
    );

    const [first] = await raw<{ id: string }[]>`
      select id::text from audit_log where occurred_at >= ${EXPORT_FROM}::timestamptz
      and occurred_at < ${EXPORT_UNTIL}::timestamptz order by occurred_at, id limit 1`;
    const [lastRow] = await raw<{ id: string }[]>`
      select id::text from audit_log where occurred_at >= ${EXPORT_FROM}::timestamptz
      and occurred_at < ${EXPORT_UNTIL}::timestamptz order by occurred_at desc, id desc limit 1`;
    const header = d.head.split("\r\n", 1)[0] ?? "";
    const firstId = d.head.slice(header.length + 2, header.length + 2 + 36);
    const starts = [...d.tail.matchAll(/\r\n([0-9a-f-]{36}),\d{4}-\d{2}-\d{2}T/g)];
    const lastId = starts.at(-1)?.[1] ?? "(not found)";
    const rows = d.lineFeeds - 1 - (await embeddedLineFeeds(raw, EXPORT_FROM, EXPORT_UNTIL));
    const checks = [
      {
        label: "status 200, text/csv, complete",
        ok: d.status === 200 && /text\/csv/.test(d.contentType ?? "") && d.complete,
        detail: `${d.status} ${d.contentType}${d.complete ? "" : ", cut short"}`,
      },
      { label: "header row", ok: header === AUDIT_CSV_COLUMNS.join(","), detail: header.slice(0, 60) },
      {
        label: "rows received",
        ok: rows === EXPORT_ROWS,
        detail: `${int(rows)} (expected ${int(EXPORT_ROWS)})`,
      },
      { label: "first row", ok: firstId === first?.id, detail: firstId },
      { label: "last row", ok: lastId === lastRow?.id, detail: lastId },
    ];
    return {
      result: {
        abandoned,
        warmup: { rows: warmRows, ms: warm.ms },
        download: d,
        rows,
        memory: {
          pid,
          samples,
          maxGapMs,
          baselineKb,
          peakKb,
          afterKb,
          serverCpuSeconds: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
        },
        checks,
      },
      note: null,
    };
  } catch (err) {
    const tail = server.log().trim().split("\n").slice(-15).join("\n    ");
    return { result: null, note: `${(err as Error).message}\n  server output (tail):\n    ${tail}` };
  } finally {
    await stopServer(server.child);
  }
}

// ---------------------------------------------------------------------------------------
// Customer search

interface SearchCase {
  fragment: string;
  /** Not held to the target: shows the worst case, a fragment every customer shares. */
  info: boolean;
  matches: number;
  search: LatencySummary;
  list: LatencySummary;
  samples: { search: number[]; list: number[] };
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

/** Substrings of 3–6 characters from the local part of real emails, at spread-out positions. */
async function pickFragments(raw: postgres.Sql, count: number): Promise<string[]> {
  const offsets = [7, 12_345, 31_415, 54_321, 77_777, 99_991].map((o) => o % Math.max(1, count));
  const lengths = [3, 4, 5, 6, 4, 5];
  const fragments: string[] = [];
  for (const [i, offset] of offsets.entries()) {
    const [row] = await raw<
      { email: string }[]
    >`select email from customers order by id offset ${offset} limit 1`;
    if (!row) continue;
    const local = row.email.toLowerCase().split("@")[0]!;
    const length = Math.min(lengths[i]!, local.length);
    const start = Math.floor(((i * 0.37 + 0.11) % 1) * (local.length - length + 1));
    const fragment = local.slice(start, start + length);
    if (!fragments.includes(fragment)) fragments.push(fragment);
  }
  return fragments;
}

async function runSearch(
  handle: DatabaseHandle,
  raw: postgres.Sql,
  customers: number,
): Promise<SearchCase[]> {
  const fragments = (await pickFragments(raw, customers)).map((f) => ({ fragment: f, info: false }));
  fragments.push({ fragment: "example", info: true });
  const cases: SearchCase[] = [];
  for (const { fragment, info } of fragments) {
    const [m] = await raw<{ n: number }[]>`
      select count(*)::int as n from customers
      where lower(email) like ${`%${fragment}%`} or lower(name) like ${`%${fragment}%`}`;
    let found = 0;
    const search = await time(async () => {
      found = (await searchCustomers(handle.db, fragment)).length;
    });
    if (found === 0) throw new Error(`searchCustomers found nothing for "${fragment}"`);
    const query = parseCustomerListQuery({ q: fragment });
    const list = await time(async () => {
      await listCustomersPage(handle.db, query);
    });
    cases.push({
      fragment,
      info,
      matches: m?.n ?? 0,
      search: summarize(search),
      list: summarize(list),
      samples: { search, list },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = performance.now();
  console.log("Paydesk export benchmark: 1M of 3M audit entries over HTTP vs psql \\copy; customer search");
  console.log(`  database ${redact(BENCH_URL)}${REFILL ? " (--refill)" : ""}`);

  const created = await ensureDatabase(BENCH_URL);
  const handle = await openDatabase({ url: BENCH_URL });
  const raw = postgres(BENCH_URL, { max: 1, ...quiet });
  let fillMs: number | null = null;
  let copyRuns: CopyRun[] = [];
  let http: HttpResult | null = null;
  let httpNote: string | null = null;
  let search: SearchCase[] = [];
  let customerCount = 0;
  try {
    await migrateDatabase(handle);
    await ensurePlans(handle.db);
    // Indexes still saved aside mean an earlier fill was interrupted: its rows are not to be
    // trusted, and the fill below rebuilds the indexes anyway.
    const interrupted = (await savedIndexes(raw)).length > 0;
    let counts = await auditCounts(raw);
    if (!REFILL && !interrupted && counts.span === AUDIT_ROWS && counts.middle === EXPORT_ROWS) {
      console.log(`  reusing the existing ${int(AUDIT_ROWS)} audit entries; --refill rebuilds them`);
    } else {
      console.log(
        `  ${created ? "created the database; " : ""}filling audit_log (found ${int(counts.span)} bench entries, ` +
          `${int(counts.total)} in all) with ${FILL_PARTS} sessions…`,
      );
      const t0 = performance.now();
      const f = await fillAudit(raw);
      fillMs = performance.now() - t0;
      console.log(
        `  filled in ${seconds(fillMs)}: insert ${seconds(f.insertMs)}, indexes ${seconds(f.indexMs)}, ` +
          `vacuum+analyze ${seconds(f.vacuumMs)}`,
      );
      counts = await auditCounts(raw);
      if (counts.span !== AUDIT_ROWS || counts.middle !== EXPORT_ROWS) {
        throw new Error(`the fill produced ${counts.span} entries, ${counts.middle} in the middle third`);
      }
    }

    const [info] = await raw<
      { version: string; shared_buffers: string; work_mem: string; size: string; avg_row: number }[]
    >`
      select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
             current_setting('work_mem') as work_mem,
             pg_size_pretty(pg_total_relation_size('audit_log')) as size,
             (select avg(pg_column_size(a.*))::int from (select * from audit_log tablesample system (0.1)) a) as avg_row`;
    const cpus = os.cpus();
    console.log(
      `  machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), ${round(os.totalmem() / 2 ** 30, 1)} GiB RAM; ` +
        `node ${process.version}`,
    );
    console.log(
      `  PostgreSQL ${info?.version} (shared_buffers ${info?.shared_buffers}, work_mem ${info?.work_mem}); ` +
        `audit_log with indexes ${info?.size}, ~${info?.avg_row} bytes a row`,
    );
    console.log(
      `  rows: ${int(counts.total)} audit entries, ${int(counts.span)} in the bench span ` +
        `${SPAN_START.slice(0, 10)}..${SPAN_END.slice(0, 10)}; export from=${EXPORT_FROM_DAY}&to=${EXPORT_TO_DAY} ` +
        `selects ${int(counts.middle)}`,
    );
    console.log(`  fill: ${fillMs === null ? "reused (no fill this run)" : seconds(fillMs)}`);

    console.log(`\npsql \\copy of the same rows (same columns, filter and order; ${load()})…`);
    copyRuns = await psqlCopy();
    for (const r of copyRuns) {
      console.log(
        `  ${r.label.padEnd(18)} ${seconds(r.ms)}  ${int(Math.round(EXPORT_ROWS / (r.ms / 1000)))} rows/s` +
          `${r.rows !== null ? `  (COPY ${int(r.rows)})` : ""}${r.bytes !== null ? `  ${fmt(mb(r.bytes), 1)} MB` : ""}`,
      );
    }

    if (SKIP_HTTP) httpNote = "skipped (--skip-http)";
    else {
      const h = await runHttp(handle, raw);
      http = h.result;
      httpNote = h.note;
    }
    if (http) {
      const d = http.download;
      const m = http.memory;
      console.log(
        `  ${int(http.rows)} rows, ${fmt(mb(d.bytes), 1)} MB in ${seconds(d.ms)} (first byte after ${fmt(d.firstByteMs, 0)} ms): ` +
          `${int(Math.round(http.rows / (d.ms / 1000)))} rows/s, ${fmt(mb(d.bytes) / (d.ms / 1000), 1)} MB/s`,
      );
      console.log(
        `  server RSS (pid ${m.pid}, ${m.samples} samples, longest gap ${fmt(m.maxGapMs, 0)} ms): ` +
          `baseline ${fmt(m.baselineKb / 1024, 1)} MiB, peak ${fmt(m.peakKb / 1024, 1)} MiB, ` +
          `growth ${fmt((m.peakKb - m.baselineKb) / 1024, 1)} MiB, 1 s after ${m.afterKb === null ? "n/a" : fmt(m.afterKb / 1024, 1)} MiB; ` +
          `server CPU ${m.serverCpuSeconds === null ? "n/a" : fmt(m.serverCpuSeconds, 1)} s, bench client CPU ${fmt(d.clientCpuSeconds, 1)} s`,
      );
      for (const c of http.checks) console.log(`  check ${c.label}: ${verdict(c.ok)} (${c.detail})`);
    }
    if (httpNote) console.log(`\nHTTP: ${httpNote}`);

    if (!SKIP_SEARCH) {
      const [c] = await raw<{ n: number }[]>`select count(*)::int as n from customers`;
      customerCount = c?.n ?? 0;
      if (customerCount === 0) {
        console.log(`\nno customers: making ${int(CUSTOMERS)} (as bench:list does)…`);
        const t0 = performance.now();
        await fillCustomers(BENCH_URL, FILL_PARTS, CUSTOMERS, new Date().toISOString());
        await raw.unsafe("vacuum (analyze) customers");
        console.log(`  made in ${seconds(performance.now() - t0)}`);
        customerCount = CUSTOMERS;
      } else if (customerCount !== CUSTOMERS) {
        console.log(
          `\nnote: ${int(customerCount)} customers, not ${int(CUSTOMERS)} (bench:list --refill makes them)`,
        );
      }
      search = await runSearch(handle, raw, customerCount);
      console.log(
        `\nCustomer search over ${int(customerCount)} customers (${RUNS} timed runs after ${WARMUP} warm-up each, ms; ` +
          `${load()} at the end)`,
      );
      console.log(
        table(
          ["fragment", "matches", "query", "p50", "p95", "p99", "max", "target p95", "result"],
          search.flatMap((s) =>
            (["search", "list"] as const).map((k) => {
              const l = s[k];
              return [
                k === "search" ? `"${s.fragment}"${s.info ? " (info)" : ""}` : "",
                k === "search" ? int(s.matches) : "",
                k === "search" ? "searchCustomers" : "listCustomersPage",
                fmt(l.p50),
                fmt(l.p95),
                fmt(l.p99),
                fmt(l.max),
                s.info ? "(info)" : `< ${SEARCH_TARGET_P95_MS}`,
                s.info ? "-" : verdict(l.p95 < SEARCH_TARGET_P95_MS),
              ];
            }),
          ),
          3,
        ),
      );
    }
  } finally {
    await raw.end({ timeout: 5 });
    await handle.close();
  }

  // Summary
  const psqlBest = copyRuns.length > 0 ? Math.min(...copyRuns.map((r) => r.ms)) : Number.NaN;
  const psqlRowsPerS = EXPORT_ROWS / (psqlBest / 1000);
  const psqlBytes = copyRuns.find((r) => r.bytes !== null)?.bytes ?? Number.NaN;
  const exportRowsPerS = http ? http.rows / (http.download.ms / 1000) : Number.NaN;
  const ratio = exportRowsPerS / psqlRowsPerS;
  const growthMb = http ? ((http.memory.peakKb - http.memory.baselineKb) * 1024) / 1e6 : Number.NaN;
  const pooled = (k: "search" | "list") =>
    search.length > 0 ? summarize(search.filter((s) => !s.info).flatMap((s) => s.samples[k])) : null;
  const searchAll = pooled("search");
  const listAll = pooled("list");

  type Row = [string, string, string, string];
  const rows: Row[] = [];
  rows.push(["fill", fillMs === null ? "reused" : seconds(fillMs), "", ""]);
  rows.push([
    "psql \\copy (best of 2)",
    `${seconds(psqlBest)}, ${int(Math.round(psqlRowsPerS))} rows/s, ${fmt(mb(psqlBytes) / (psqlBest / 1000), 1)} MB/s`,
    "",
    "",
  ]);
  const checksOk = http ? http.checks.every((c) => c.ok) : false;
  if (http) {
    rows.push([
      "GET /audit/export",
      `${seconds(http.download.ms)}, ${int(Math.round(exportRowsPerS))} rows/s, ${fmt(mb(http.download.bytes) / (http.download.ms / 1000), 1)} MB/s`,
      "",
      "",
    ]);
    rows.push(["rows received (+ header, ids)", int(http.rows), int(EXPORT_ROWS), verdict(checksOk)]);
    rows.push([
      "export / psql rows/s",
      `${fmt(ratio)}×`,
      `≥ ${THROUGHPUT_TARGET}×`,
      verdict(ratio >= THROUGHPUT_TARGET),
    ]);
    rows.push([
      "server RSS growth",
      `${fmt(growthMb, 1)} MB (${fmt(http.memory.baselineKb / 1024, 0)} → ${fmt(http.memory.peakKb / 1024, 0)} MiB)`,
      `< ${MEMORY_TARGET_MB} MB`,
      verdict(growthMb < MEMORY_TARGET_MB),
    ]);
    rows.push([
      "first byte",
      `${fmt(http.download.firstByteMs, 0)} ms`,
      `< ${FIRST_BYTE_TARGET_MS} ms`,
      verdict(http.download.firstByteMs < FIRST_BYTE_TARGET_MS),
    ]);
    rows.push([
      `busy backends ${BUSY_CHECK_AFTER_MS / 1000} s after a hang-up at ${ABANDON_AFTER_MS / 1000} s`,
      `${http.abandoned.busy.length} (${http.abandoned.busyAtCut} at the hang-up)`,
      "0",
      verdict(http.abandoned.busy.length === 0 && http.abandoned.busyAtCut > 0),
    ]);
  } else {
    rows.push(["GET /audit/export", "not run", "", ""]);
  }
  if (searchAll && listAll) {
    rows.push([
      "searchCustomers p50/p95/p99",
      `${fmt(searchAll.p50)} / ${fmt(searchAll.p95)} / ${fmt(searchAll.p99)} ms`,
      `p95 < ${SEARCH_TARGET_P95_MS} ms`,
      verdict(searchAll.p95 < SEARCH_TARGET_P95_MS),
    ]);
    rows.push([
      "listCustomersPage p50/p95/p99",
      `${fmt(listAll.p50)} / ${fmt(listAll.p95)} / ${fmt(listAll.p99)} ms`,
      `p95 < ${SEARCH_TARGET_P95_MS} ms`,
      verdict(listAll.p95 < SEARCH_TARGET_P95_MS),
    ]);
  }
  const totalMs = performance.now() - started;
  console.log(
    `\nSummary (search: ${search.filter((s) => !s.info).length} fragments pooled, "(info)" left out)`,
  );
  console.log(table(["figure", "value", "target", "result"], rows, 2));
  console.log(`\nTotal time ${seconds(totalMs)}${fillMs === null ? "" : ` (fill ${seconds(fillMs)})`}`);

  const missed =
    (http !== null &&
      (!checksOk ||
        ratio < THROUGHPUT_TARGET ||
        growthMb >= MEMORY_TARGET_MB ||
        !(http.download.firstByteMs < FIRST_BYTE_TARGET_MS) ||
        http.abandoned.busy.length > 0 ||
        http.abandoned.busyAtCut === 0)) ||
    (searchAll !== null && searchAll.p95 >= SEARCH_TARGET_P95_MS) ||
    (listAll !== null && listAll.p95 >= SEARCH_TARGET_P95_MS);
  console.log(
    JSON.stringify({
      bench: "export",
      fillSeconds: fillMs === null ? null : round(fillMs / 1000, 1),
      auditRows: AUDIT_ROWS,
      exportRows: EXPORT_ROWS,
      psql: copyRuns.map((r) => ({
        run: r.label,
        seconds: round(r.ms / 1000, 2),
        rows: r.rows,
        bytes: r.bytes,
      })),
      export: http && {
        seconds: round(http.download.ms / 1000, 2),
        firstByteMs: round(http.download.firstByteMs, 0),
        rows: http.rows,
        bytes: http.download.bytes,
        rowsPerSecond: Math.round(exportRowsPerS),
        ratioToPsql: round(ratio, 3),
        rssBaselineKb: http.memory.baselineKb,
        rssPeakKb: http.memory.peakKb,
        rssGrowthMb: round(growthMb, 1),
        busyBackendsAfterHangUp: http.abandoned.busy.length,
        checks: Object.fromEntries(http.checks.map((c) => [c.label, c.ok])),
      },
      http: httpNote,
      search: search.map((s) => ({
        fragment: s.fragment,
        info: s.info,
        matches: s.matches,
        searchP95Ms: round(s.search.p95, 3),
        listP95Ms: round(s.list.p95, 3),
      })),
      searchP95Ms: searchAll && round(searchAll.p95, 3),
      listP95Ms: listAll && round(listAll.p95, 3),
      totalSeconds: round(totalMs / 1000, 1),
    }),
  );
  return STRICT && missed ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
