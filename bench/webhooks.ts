/**
 * Stripe webhook benchmark: signed deliveries to `POST /api/webhooks/stripe` of the production
 * server (`npm start`) on PostgreSQL, the way Stripe sends them: many at once, out of order,
 * some more than once.
 *
 * 1. Recreates BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/paydesk_bench_webhooks),
 *    migrates it (the standard plans come with the migrations) and adds BENCH_CUSTOMERS (1,000)
 *    customers in SQL.
 * 2. Builds BENCH_EVENTS (10,000) deliveries for BENCH_INTENTS (2,000) PaymentIntents: each intent
 *    has 4 events from Stripe's own example objects (75% created → processing → succeeded →
 *    charge.succeeded, 15% created → processing → payment_failed → charge.failed, 10% created →
 *    requires_action → processing → canceled), with metadata naming a seeded customer (by email
 *    or id) and a plan, and the plan's price; BENCH_DUPLICATES (20%) of the deliveries repeat an
 *    event already in the list (same id and body, as Stripe redelivers); all shuffled.
 * 3. Starts `npm start` in BENCH_APP_DIR (default: here; it needs a production build,
 *    `.next/BUILD_ID`) with a fresh STRIPE_WEBHOOK_SECRET, warms it up with a few intents of its
 *    own, then sends everything over BENCH_CONCURRENCY (32) keep-alive connections, each
 *    delivery signed when sent (Stripe's SDK, `Stripe-Signature`).
 * 4. Prints events/s, p50/p95/p99 latency and the non-2xx count, then checks the database:
 *    one stored event per distinct event id, nothing failed, one payment per intent, and as
 *    many grants as distinct succeeded intents (exactly-once effects). Targets (2 cores):
 *    ≥ 300 events/s, p99 < 200 ms, 0 errors. Prints PASS or FAIL; BENCH_STRICT=1 exits 2 on FAIL.
 *
 *   npm run bench:webhooks
 *   BENCH_APP_DIR=/tmp/copy-with-a-build npm run bench:webhooks
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import Stripe from "stripe";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { rng } from "@/lib/seed/random";
import { chargeEvent, type IntentEventType, paymentIntentEvent } from "../tests/support/stripe-events";
import { intEnv, quiet, redact, table, withDatabase } from "./lib/common";
import { databaseName } from "./lib/database";
import { freePort, startServer, stopServer, waitForHealth } from "./lib/server";
import { round, summarize } from "./lib/stats";

// ---------------------------------------------------------------------------------------
// Configuration

const BENCH_URL =
  process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/paydesk_bench_webhooks";
const APP_DIR = path.resolve(process.env.BENCH_APP_DIR || ".");
const EVENTS = intEnv("BENCH_EVENTS", 10_000, 1);
const INTENTS = intEnv("BENCH_INTENTS", 2_000, 1);
const CONCURRENCY = intEnv("BENCH_CONCURRENCY", 32, 1);
const CUSTOMERS = intEnv("BENCH_CUSTOMERS", 1_000, 1);
const DUPLICATES = Number(process.env.BENCH_DUPLICATES ?? "0.2");
const WARMUP_INTENTS = intEnv("BENCH_WARMUP_INTENTS", 25);
const STRICT = process.env.BENCH_STRICT === "1";
// BENCH_PROFILE_DIR (bench/lib/server.ts) is resolved here, as startServer runs from APP_DIR.
if (process.env.BENCH_PROFILE_DIR)
  process.env.BENCH_PROFILE_DIR = path.resolve(process.env.BENCH_PROFILE_DIR);

const TARGET_RATE = 500;
const TARGET_P99_MS = 150;
const TARGET_SERVER_CPU_MS = 2;
const EVENTS_PER_INTENT = 4;

if (!(DUPLICATES >= 0 && DUPLICATES < 1)) throw new Error("BENCH_DUPLICATES must be in [0, 1)");
const DB_NAME = databaseName(BENCH_URL);

const PLANS = [
  { code: "basic", amount: 29_900 },
  { code: "premium", amount: 59_900 },
  { code: "family", amount: 89_900 },
] as const;

type Scenario = "succeeds" | "fails" | "canceled";
const SCENARIO_EVENTS: Record<Scenario, (IntentEventType | "charge.succeeded" | "charge.failed")[]> = {
  succeeds: [
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.succeeded",
    "charge.succeeded",
  ],
  fails: [
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "charge.failed",
  ],
  canceled: [
    "payment_intent.created",
    "payment_intent.requires_action",
    "payment_intent.processing",
    "payment_intent.canceled",
  ],
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

// ---------------------------------------------------------------------------------------
// Database

async function recreateDatabase(): Promise<void> {
  const admin = postgres(withDatabase(BENCH_URL, "postgres"), { max: 1, ...quiet });
  try {
    await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
    await admin.unsafe(`create database "${DB_NAME}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

interface Customer {
  id: string;
  email: string;
}

async function seedCustomers(sql: postgres.Sql): Promise<Customer[]> {
  return sql<Customer[]>`
    insert into customers (email, name, external_ref)
    select 'bench-wh-' || n || '@example.com', 'Bench Customer ' || n, 'bench-wh-' || n
    from generate_series(1, ${CUSTOMERS}::int) as n
    returning id, email`;
}

// ---------------------------------------------------------------------------------------
// Deliveries

interface Intent {
  scenario: Scenario;
  events: Record<string, unknown>[];
}

function buildIntents(
  count: number,
  customers: Customer[],
  random: ReturnType<typeof rng>,
  tag: string,
): Intent[] {
  const start = Math.floor(Date.now() / 1000) - 60;
  return Array.from({ length: count }, (_, i) => {
    const roll = random.next();
    const scenario: Scenario = roll < 0.75 ? "succeeds" : roll < 0.9 ? "fails" : "canceled";
    const customer = random.pick(customers);
    const plan = random.pick(PLANS);
    const intentId = `pi_${tag}${String(i).padStart(6, "0")}${randomBytes(6).toString("hex")}`;
    // Stripe names the customer however the integration chose to: half by email, half by id.
    const customerRef = random.chance(0.5) ? customer.email : customer.id;
    const events = SCENARIO_EVENTS[scenario].map((type, step) =>
      type === "charge.succeeded" || type === "charge.failed"
        ? chargeEvent({ type, intentId, amount: plan.amount, currency: "rub", created: start + step })
        : paymentIntentEvent({
            type,
            intentId,
            amount: plan.amount,
            currency: "rub",
            customer: customerRef,
            plan: plan.code,
            description: `Paydesk ${plan.code} subscription`,
            created: start + step,
          }),
    );
    return { scenario, events };
  });
}

/** Every event once, plus redeliveries of events already in the list, shuffled; `total` in all. */
function deliveries(intents: Intent[], total: number, random: ReturnType<typeof rng>): string[] {
  const distinct = intents.flatMap((intent) => intent.events.map((e) => JSON.stringify(e)));
  const out = [...distinct];
  while (out.length < total) out.push(distinct[Math.floor(random.next() * distinct.length)]!);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  latencyMs: number;
  body: string;
}

function post(agent: http.Agent, port: number, body: string, secret: string): Promise<Answer> {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret });
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/webhooks/stripe",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(body),
          "stripe-signature": signature,
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            latencyMs: performance.now() - started,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", (err) =>
      resolve({ status: 0, latencyMs: performance.now() - started, body: err.message }),
    );
    req.end(body);
  });
}

async function send(bodies: string[], port: number, secret: string, concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Answer[] = new Array(bodies.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        answers[i] = await post(agent, port, bodies[i]!, secret);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { answers, elapsedMs };
}

// ---------------------------------------------------------------------------------------
// Where the time goes: CPU seconds of the server process and of its PostgreSQL backends (from
// /proc, so a machine busy with other work does not distort them the way wall time is).

const TICKS_PER_SECOND = 100;

/** user + system CPU of a process in ms, or null where /proc is not readable. */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
  } catch {
    return null;
  }
}

/** The server's PostgreSQL backends (not the bench's own connections), by pid → CPU ms. */
async function backendCpu(sql: postgres.Sql): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and application_name = 'paydesk'`;
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (ms !== null) out.set(pid, ms);
  }
  return out;
}

function backendDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

// ---------------------------------------------------------------------------------------

interface Checks {
  storedEvents: number;
  distinctEvents: number;
  outcomes: Record<string, number>;
  payments: number;
  intents: number;
  succeededPayments: number;
  expectedSucceeded: number;
  grants: number;
  grantsPerPaymentMax: number;
}

async function check(sql: postgres.Sql, intents: Intent[]): Promise<Checks> {
  const [row] = await sql<
    {
      stored: number;
      payments: number;
      succeeded: number;
      grants: number;
      per_payment_max: number;
    }[]
  >`
    select
      (select count(*)::int from webhook_events where provider = 'stripe') as stored,
      (select count(*)::int from payments where provider = 'stripe') as payments,
      (select count(distinct provider_payment_id)::int from payments
        where provider = 'stripe' and status = 'succeeded') as succeeded,
      (select count(*)::int from subscription_grants g join payments p on p.id = g.payment_id
        where p.provider = 'stripe') as grants,
      (select coalesce(max(n), 0)::int from (select count(*) as n from subscription_grants group by payment_id) x)
        as per_payment_max`;
  const outcomeRows = await sql<{ outcome: string | null; n: number }[]>`
    select outcome::text, count(*)::int as n from webhook_events group by outcome order by outcome`;
  return {
    storedEvents: row!.stored,
    distinctEvents: intents.reduce((n, i) => n + i.events.length, 0),
    outcomes: Object.fromEntries(outcomeRows.map((r) => [r.outcome ?? "not applied", r.n])),
    payments: row!.payments,
    intents: intents.length,
    succeededPayments: row!.succeeded,
    expectedSucceeded: intents.filter((i) => i.scenario === "succeeds").length,
    grants: row!.grants,
    grantsPerPaymentMax: row!.per_payment_max,
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  console.log("Paydesk webhook benchmark: signed Stripe events → POST /api/webhooks/stripe (npm start)");
  console.log(`  database ${redact(BENCH_URL)} (recreated), app ${APP_DIR}`);
  if (!existsSync(path.join(APP_DIR, ".next/BUILD_ID"))) {
    console.error(`no production build in ${APP_DIR} (.next/BUILD_ID): run \`npm run build\` there first`);
    return 1;
  }

  await recreateDatabase();
  const handle = await openDatabase({ url: BENCH_URL, max: 2 });
  const sql = postgres(BENCH_URL, { max: 2, ...quiet });
  let server: ReturnType<typeof startServer> | null = null;
  try {
    await migrateDatabase(handle);
    const customers = await seedCustomers(sql);

    const random = rng(20_260_501);
    const warmup = buildIntents(WARMUP_INTENTS, customers, random, "w");
    const intents = buildIntents(INTENTS, customers, random, "b");
    const distinct = intents.length * EVENTS_PER_INTENT;
    const total = Math.max(EVENTS, Math.ceil(distinct / (1 - DUPLICATES)));
    if (total !== EVENTS) {
      console.log(`  note: ${INTENTS} intents need ${total} deliveries for ${DUPLICATES * 100}% duplicates`);
    }
    const bodies = deliveries(intents, total, random);
    const cpus = os.cpus();
    const [info] = await sql<{ version: string; max_connections: string }[]>`
      select current_setting('server_version') as version, current_setting('max_connections') as max_connections`;
    console.log(
      `  machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}; node ${process.version}; PostgreSQL ${info?.version}`,
    );
    console.log(
      `  ${customers.length} customers; ${intents.length} intents (${intents.filter((i) => i.scenario === "succeeds").length} succeed), ` +
        `${distinct} distinct events + ${total - distinct} redeliveries = ${total} deliveries, ${CONCURRENCY} connections`,
    );

    // The server reads the secret from its environment (startServer passes process.env on).
    const secret = `whsec_${randomBytes(24).toString("base64url")}`;
    process.env.STRIPE_WEBHOOK_SECRET = secret;
    const port = await freePort();
    const cwd = process.cwd();
    process.chdir(APP_DIR); // startServer runs `npm start` from the working directory
    try {
      server = startServer(port, BENCH_URL);
    } finally {
      process.chdir(cwd);
    }
    const t0 = performance.now();
    await waitForHealth(`http://127.0.0.1:${port}`, server.child);
    console.log(`  npm start on port ${port}: /api/health 200 after ${seconds(performance.now() - t0)}`);

    const warm = await send(
      warmup.flatMap((i) => i.events.map((e) => JSON.stringify(e))),
      port,
      secret,
      Math.min(CONCURRENCY, 8),
    );
    const warmBad = warm.answers.filter((a) => a.status < 200 || a.status >= 300);
    console.log(
      `  warm-up: ${warm.answers.length} deliveries in ${seconds(warm.elapsedMs)}, ${warmBad.length} non-2xx` +
        (warmBad[0] ? ` (first: ${warmBad[0].status} ${warmBad[0].body.slice(0, 200)})` : ""),
    );

    console.log(`\nSending ${bodies.length} deliveries over ${CONCURRENCY} connections…`);
    const serverPid = server.child.pid!;
    const serverCpuBefore = cpuMs(serverPid);
    const backendsBefore = await backendCpu(sql);
    const benchCpuBefore = process.cpuUsage();
    const run = await send(bodies, port, secret, CONCURRENCY);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const serverCpuAfter = cpuMs(serverPid);
    const backendsAfter = await backendCpu(sql);
    const latency = summarize(run.answers.map((a) => a.latencyMs));
    const rate = (run.answers.length / run.elapsedMs) * 1000;
    const bad = run.answers.filter((a) => a.status < 200 || a.status >= 300);
    const byStatus = new Map<number, number>();
    for (const a of bad) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    let duplicatesAnswered = 0;
    for (const a of run.answers) {
      if (a.status === 200 && a.body.includes('"duplicate":true')) duplicatesAnswered++;
    }

    const checks = await check(sql, [...warmup, ...intents]);
    const exactlyOnce =
      checks.storedEvents === checks.distinctEvents &&
      checks.payments === checks.intents &&
      checks.succeededPayments === checks.expectedSucceeded &&
      checks.grants === checks.succeededPayments &&
      checks.grantsPerPaymentMax <= 1 &&
      (checks.outcomes.failed ?? 0) === 0 &&
      (checks.outcomes["not applied"] ?? 0) === 0;

    console.log(
      `\n${table(
        ["figure", "value", "target"],
        [
          ["deliveries", run.answers.length, ""],
          ["elapsed", seconds(run.elapsedMs), ""],
          ["events/s", rate.toFixed(0), `≥ ${TARGET_RATE}`],
          ["latency p50", ms(latency.p50), ""],
          ["latency p95", ms(latency.p95), ""],
          ["latency p99", ms(latency.p99), `< ${TARGET_P99_MS} ms`],
          ["latency max", ms(latency.max), ""],
          [
            "non-2xx",
            bad.length === 0
              ? 0
              : `${bad.length} (${[...byStatus].map(([s, n]) => `${s === 0 ? "network error" : s}: ${n}`).join(", ")})`,
            "0",
          ],
          ["answered duplicate", duplicatesAnswered, `${total - distinct} redeliveries`],
        ],
      )}`,
    );
    if (bad[0]) console.log(`  first non-2xx: ${bad[0].status} ${bad[0].body.slice(0, 300)}`);
    const perEvent = (totalMs: number | null) =>
      totalMs === null ? "n/a" : `${(totalMs / run.answers.length).toFixed(2)} ms`;
    const serverCpu =
      serverCpuBefore !== null && serverCpuAfter !== null ? serverCpuAfter - serverCpuBefore : null;
    const pgCpu = backendDelta(backendsBefore, backendsAfter);
    const benchCpuMs = (benchCpu.user + benchCpu.system) / 1000;
    console.log(
      `\nCPU per delivery: server (npm start, one thread) ${perEvent(serverCpu)}, PostgreSQL ` +
        `(${backendsAfter.size} backends) ${perEvent(pgCpu)}, this load generator ${perEvent(benchCpuMs)}; ` +
        `${cpus.length} cores for ${(run.elapsedMs / 1000).toFixed(1)} s = ${perEvent(cpus.length * run.elapsedMs)} of CPU per delivery available`,
    );
    console.log(
      `\nDatabase (warm-up included): ${checks.storedEvents} stored events for ${checks.distinctEvents} distinct ids; ` +
        `outcomes ${JSON.stringify(checks.outcomes)}`,
    );
    console.log(
      `  ${checks.payments} Stripe payments for ${checks.intents} intents; ${checks.succeededPayments} succeeded ` +
        `(expected ${checks.expectedSucceeded}); ${checks.grants} grants (at most ${checks.grantsPerPaymentMax} per payment)`,
    );

    const serverCpuPerDelivery = serverCpu === null ? Number.NaN : serverCpu / run.answers.length;
    const cpuOk = serverCpuPerDelivery <= TARGET_SERVER_CPU_MS;
    const pass =
      rate >= TARGET_RATE && latency.p99 < TARGET_P99_MS && bad.length === 0 && exactlyOnce && cpuOk;
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    console.log(
      `\n  throughput ${verdict(rate >= TARGET_RATE)}, p99 ${verdict(latency.p99 < TARGET_P99_MS)}, ` +
        `server CPU ≤ ${TARGET_SERVER_CPU_MS} ms/delivery ${verdict(cpuOk)}, ` +
        `errors ${verdict(bad.length === 0)}, exactly-once ${verdict(exactlyOnce)}`,
    );
    console.log(`${verdict(pass)} (total time ${seconds(performance.now() - started)})`);
    console.log(
      JSON.stringify({
        bench: "webhooks",
        deliveries: run.answers.length,
        distinctEvents: distinct,
        intents: intents.length,
        concurrency: CONCURRENCY,
        eventsPerSecond: round(rate, 1),
        p50Ms: round(latency.p50, 2),
        p95Ms: round(latency.p95, 2),
        p99Ms: round(latency.p99, 2),
        maxMs: round(latency.max, 2),
        non2xx: bad.length,
        serverCpuMsPerDelivery: serverCpu === null ? null : round(serverCpu / run.answers.length, 3),
        postgresCpuMsPerDelivery: round(pgCpu / run.answers.length, 3),
        grants: checks.grants,
        succeededIntents: checks.succeededPayments,
        expectedSucceededIntents: checks.expectedSucceeded,
        exactlyOnce,
        pass,
      }),
    );
    return STRICT && !pass ? 2 : 0;
  } catch (err) {
    if (server) {
      const tail = server.log().trim().split("\n").slice(-20).join("\n    ");
      console.error(`server output (tail):\n    ${tail}`);
    }
    throw err;
  } finally {
    if (server) await stopServer(server.child);
    await sql.end({ timeout: 5 });
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
