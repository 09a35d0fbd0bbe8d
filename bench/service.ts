/**
 * Service benchmark: how much the service layer (drizzle + the real verb) costs over
 * hand-written SQL for the hottest mutation, a payment entering `succeeded`.
 *
 * On real PostgreSQL, for each concurrency level (1 and 8 by default) it runs N status
 * changes pending → succeeded twice, each with its own fresh pending payments:
 *   - "service":      changePaymentStatus(ctx, …) over openDatabase({ url, max: c })
 *   - "hand-written": one postgres.js sql.begin transaction per op writing the same rows
 *                     (payment, subscription, grant, two hash-chained audit entries, two
 *                     domain events) over postgres(url, { max: c })
 * and prints ops/s, p50/p95/p99 latency, the service/hand-written throughput ratio, the
 * targets, a per-op statement/round-trip profile, and a final JSON line.
 *
 *   npm run bench:service
 *   BENCH_OPS=5000 BENCH_CONCURRENCY=1,8 BENCH_WARMUP=200 BENCH_CUSTOMERS=5000 npm run bench:service
 *
 * Env: BENCH_DATABASE_URL | DATABASE_URL | TEST_DATABASE_URL (the server to use; the bench
 * creates, and afterwards drops, its own database BENCH_DB_NAME, default paydesk_bench),
 * BENCH_KEEP=1 keeps that database, BENCH_VERIFY=0 skips the final audit-chain check,
 * BENCH_ROUNDS (default 5: the measured ops of each run are cut into that many segments,
 * run alternately with the other implementation's, so machine noise hits both alike),
 * BENCH_PROFILE_OPS (default 50, 0 skips the profile), BENCH_VERBOSE=1 lists the
 * statements of one op, BENCH_STRICT=1 exits non-zero when a target is missed.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import os from "node:os";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { type Db, drizzleOverPostgres, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import * as schema from "@/db/schema";
import { type HashableEntry, hashEntry } from "@/lib/audit/hash";
import { toJson } from "@/lib/audit/json";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor, ServiceContext } from "@/lib/context";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { checkTransition } from "@/lib/payments/state-machine";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { addDays, extensionStart, statusFor } from "@/lib/subscriptions/arithmetic";
import { intEnv, quiet, redact, table, withDatabase } from "./lib/common";
import { type LatencySummary, round, summarize } from "./lib/stats";

// ---------------------------------------------------------------------------------------
// Configuration

function concurrencyEnv(): number[] {
  const raw = process.env.BENCH_CONCURRENCY || "1,8";
  const levels = raw.split(",").map((s) => Number(s.trim()));
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    throw new Error(`BENCH_CONCURRENCY must be a comma-separated list of integers 1..64, got "${raw}"`);
  }
  return [...new Set(levels)];
}

const BASE_URL =
  process.env.BENCH_DATABASE_URL ||
  process.env.DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  "postgres://postgres@127.0.0.1:5432/test";
const DB_NAME = process.env.BENCH_DB_NAME || "paydesk_bench";
const OPS = intEnv("BENCH_OPS", 5000, 1);
const WARMUP = intEnv("BENCH_WARMUP", 200);
const CUSTOMERS = intEnv("BENCH_CUSTOMERS", 5000, 1);
const CONCURRENCY = concurrencyEnv();
const ROUNDS = intEnv("BENCH_ROUNDS", 5, 1);
const PROFILE_OPS = intEnv("BENCH_PROFILE_OPS", 50);
const KEEP = process.env.BENCH_KEEP === "1";
const VERIFY = process.env.BENCH_VERIFY !== "0";
const VERBOSE = process.env.BENCH_VERBOSE === "1";
const STRICT = process.env.BENCH_STRICT === "1";

const TARGET_RATIO_AT_8 = 0.5;
const TARGET_P95_AT_1_MS = 20;
const REASON = "benchmark: payment confirmed";
const PLAN_CODE = "premium";
const AMOUNT_MINOR = 59_900;
const PERIOD_DAYS = 30;

if (!/^[a-z_][a-z0-9_]{0,62}$/.test(DB_NAME)) throw new Error(`BENCH_DB_NAME is not a plain identifier`);

const BENCH_URL = withDatabase(BASE_URL, DB_NAME);

// ---------------------------------------------------------------------------------------
// Fixture: plans, one admin, customers with a running subscription, pending payments

interface Fixture {
  actor: Extract<Actor, { type: "staff" }>;
  planId: string;
  customerIds: string[];
}

async function recreateDatabase(): Promise<void> {
  const admin = postgres(BASE_URL, { max: 1, ...quiet });
  try {
    await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
    await admin.unsafe(`create database "${DB_NAME}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function dropDatabase(): Promise<void> {
  const admin = postgres(BASE_URL, { max: 1, ...quiet });
  try {
    await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Multi-row INSERT with postgres.js's row helper (jsonb columns take plain objects). */
function insertRows(sql: postgres.Sql | postgres.TransactionSql, table: string, rows: object[]) {
  // biome-ignore lint/suspicious/noExplicitAny: the helper's typings reject rows with unknown (jsonb) values
  return sql`insert into ${sql(table)} ${sql(rows as any[])}`;
}

/** An audit entry as an audit_log row, hashed with lib/audit/hash.ts like appendAudit() does. */
function auditRow(entry: HashableEntry) {
  return {
    id: entry.id,
    occurred_at: entry.occurredAt,
    actor_type: entry.actorType,
    actor_id: entry.actorId,
    actor_email: entry.actorEmail,
    actor_role: entry.actorRole,
    via: entry.via,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    before: entry.before,
    after: entry.after,
    reason: entry.reason,
    request_id: entry.requestId,
    ip: entry.ip,
    user_agent: entry.userAgent,
    chain_key: entry.chainKey,
    chain_seq: entry.chainSeq,
    prev_hash: entry.prevHash,
    hash: hashEntry(entry),
  };
}

async function setUp(raw: postgres.Sql): Promise<Fixture> {
  const handle = await openDatabase({ url: BENCH_URL, max: 2 });
  let actor: Fixture["actor"];
  try {
    await migrateDatabase(handle);
    await ensurePlans(handle.db);
    const [staff] = await handle.db
      .insert(schema.staffUsers)
      .values({
        email: "bench-admin@paydesk.test",
        name: "Bench Admin",
        role: "admin",
        passwordHash: "$argon2id$not-a-real-hash",
      })
      .returning();
    if (!staff) throw new Error("admin insert returned nothing");
    actor = { type: "staff", id: staff.id, email: staff.email, name: staff.name, role: "admin" };
  } finally {
    await handle.close();
  }

  const [plan] = await raw<{ id: string; period_days: number }[]>`
    select id, period_days from plans where code = ${PLAN_CODE}`;
  if (!plan) throw new Error(`plan ${PLAN_CODE} missing after ensurePlans`);
  if (plan.period_days !== PERIOD_DAYS) throw new Error(`plan ${PLAN_CODE} is not ${PERIOD_DAYS} days`);

  const customerIds = Array.from({ length: CUSTOMERS }, () => randomUUID());
  await raw`
    insert into customers (id, email, name, external_ref)
    select u.id, 'bench-' || u.n || '@example.com', 'Bench Customer ' || u.n, 'bench-' || u.n
    from unnest(${customerIds}::uuid[]) with ordinality as u(id, n)`;

  // Renewal shape: every customer already holds a running premium subscription, explained
  // by one succeeded payment and its grant, so each measured op extends an existing row.
  const t0 = new Date();
  const end = addDays(t0, PERIOD_DAYS);
  const primed = await raw<{ payment_id: string; subscription_id: string; customer_id: string }[]>`
    with p as (
      insert into payments (customer_id, plan_id, amount_minor, currency, status, kind, provider, method,
                            description, created_by_staff_id, created_by, created_at, updated_at, succeeded_at)
      select u.id, ${plan.id}, ${AMOUNT_MINOR}, 'RUB', 'succeeded', 'manual', 'manual', 'bank_transfer',
             'bench: first period', ${actor.id}, ${actor.email}, ${t0}, ${t0}, ${t0}
      from unnest(${customerIds}::uuid[]) as u(id)
      returning id, customer_id
    ), s as (
      insert into subscriptions (customer_id, plan_id, status, current_period_end, started_at, created_at, updated_at)
      select p.customer_id, ${plan.id}, 'active', ${end}, ${t0}, ${t0}, ${t0} from p
      returning id, customer_id
    )
    insert into subscription_grants (subscription_id, payment_id, days, is_trial, granted_at, period_start, period_end)
    select s.id, p.id, ${PERIOD_DAYS}, false, ${t0}, ${t0}, ${end} from p join s using (customer_id)
    returning payment_id, subscription_id, (select s.customer_id from s where s.id = subscription_id)`;

  // …and the history that goes with it: the first entry of each payment's and subscription's
  // audit chain, and their domain events. Besides realism this keeps the measured ops off
  // empty tables, whose plans (seq scans, cached in prepared statements) would not last.
  const audits: ReturnType<typeof auditRow>[] = [];
  const events: Record<string, unknown>[] = [];
  for (const row of primed) {
    const base = {
      occurredAt: t0,
      actorType: "staff",
      actorId: actor.id,
      actorEmail: actor.email,
      actorRole: actor.role,
      via: "seed",
      reason: "bench: first period",
      requestId: null,
      ip: null,
      userAgent: null,
      chainSeq: 1,
      prevHash: null,
    };
    const subAfter = { status: "active", currentPeriodEnd: end.toISOString(), version: 1 };
    audits.push(
      auditRow({
        ...base,
        id: randomUUID(),
        action: "payment.create",
        entityType: "payment",
        entityId: row.payment_id,
        before: null,
        after: { status: "succeeded", amountMinor: String(AMOUNT_MINOR), currency: "RUB", version: 1 },
        chainKey: `payment:${row.payment_id}`,
      }),
      auditRow({
        ...base,
        id: randomUUID(),
        action: "subscription.extend",
        entityType: "subscription",
        entityId: row.subscription_id,
        before: null,
        after: { ...subAfter, grant: { paymentId: row.payment_id, days: PERIOD_DAYS } },
        chainKey: `subscription:${row.subscription_id}`,
      }),
    );
    events.push(
      {
        type: "payment.created",
        aggregate_type: "payment",
        aggregate_id: row.payment_id,
        occurred_at: t0,
        payload: { customerId: row.customer_id, status: "succeeded" },
      },
      {
        type: "subscription.created",
        aggregate_type: "subscription",
        aggregate_id: row.subscription_id,
        occurred_at: t0,
        payload: { customerId: row.customer_id, plan: PLAN_CODE, paymentId: row.payment_id, ...subAfter },
      },
    );
  }
  for (let i = 0; i < audits.length; i += 1000) {
    await insertRows(raw, "audit_log", audits.slice(i, i + 1000));
    await insertRows(raw, "domain_events", events.slice(i, i + 1000));
  }

  return { actor, planId: plan.id, customerIds };
}

let paymentCursor = 0;

/** Fresh pending payments, in order; consecutive payments belong to different customers. */
async function insertPendingPayments(raw: postgres.Sql, fx: Fixture, label: string, count: number) {
  const ids = Array.from({ length: count }, () => randomUUID());
  const customers = ids.map(() => fx.customerIds[paymentCursor++ % fx.customerIds.length]!);
  const now = new Date();
  await raw`
    insert into payments (id, customer_id, plan_id, amount_minor, currency, status, kind, provider, method,
                          description, created_by_staff_id, created_by, created_at, updated_at)
    select u.id, u.customer_id, ${fx.planId}, ${AMOUNT_MINOR}, 'RUB', 'pending', 'manual', 'manual',
           'bank_transfer', ${`bench: ${label}`}, ${fx.actor.id}, ${fx.actor.email}, ${now}, ${now}
    from unnest(${ids}::uuid[], ${customers}::uuid[]) as u(id, customer_id)`;
  return ids;
}

/** Leaves every run the same starting point: fresh statistics, no dirty-buffer backlog. */
async function settle(raw: postgres.Sql): Promise<void> {
  await raw.unsafe("vacuum (analyze) payments, subscriptions, subscription_grants, audit_log, domain_events");
  await raw.unsafe("checkpoint").catch(() => {}); // needs superuser or pg_checkpoint; optional
}

/** Every op of a run must have written all its rows. */
async function verifyRun(raw: postgres.Sql, ids: string[]): Promise<void> {
  const [row] = await raw<
    { succeeded: number; grants: number; payment_audit: number; sub_audit: number; events: number }[]
  >`
    select
      (select count(*)::int from payments where id = any(${ids}::uuid[]) and status = 'succeeded') as succeeded,
      (select count(*)::int from subscription_grants where payment_id = any(${ids}::uuid[])) as grants,
      (select count(*)::int from audit_log
        where entity_type = 'payment' and entity_id = any(${ids}::text[])
          and action = 'payment.status_change') as payment_audit,
      (select count(*)::int from audit_log
        where action = 'subscription.extend' and after -> 'grant' ->> 'paymentId' = any(${ids}::text[])) as sub_audit,
      (select count(*)::int from domain_events
        where (aggregate_type = 'payment' and aggregate_id = any(${ids}::text[]) and type = 'payment.completed')
           or (aggregate_type = 'subscription' and payload ->> 'paymentId' = any(${ids}::text[]))) as events`;
  const n = ids.length;
  if (
    !row ||
    row.succeeded !== n ||
    row.grants !== n ||
    row.payment_audit !== n ||
    row.sub_audit !== n ||
    row.events !== 2 * n
  ) {
    throw new Error(`run wrote incomplete rows for ${n} ops: ${JSON.stringify(row)}`);
  }
}

// ---------------------------------------------------------------------------------------
// The two implementations of one op

type Op = (paymentId: string) => Promise<void>;

function serviceOp(db: Db, actor: Actor): Op {
  return async (paymentId) => {
    const ctx: ServiceContext = { db, actor, via: "cli", requestId: randomUUID() };
    const result = await changePaymentStatus(ctx, { paymentId, status: "succeeded", reason: REASON });
    if (!result.changed || !result.subscription) throw new Error(`service did not extend for ${paymentId}`);
  };
}

interface PaymentRow {
  id: string;
  customer_id: string;
  plan_id: string | null;
  amount_minor: string;
  refunded_minor: string;
  currency: string;
  status: schema.PaymentStatus;
  kind: schema.PaymentKind;
  provider: string;
  provider_payment_id: string | null;
  method: string | null;
  description: string | null;
  metadata: unknown;
  grant_days: number | null;
  version: number;
  plan_code: string | null;
  period_days: number | null;
  trial_days: number | null;
}

interface SubscriptionRow {
  id: string;
  status: schema.SubscriptionStatus;
  current_period_end: Date;
  started_at: Date;
  version: number;
}

/** The same JSON the service's paymentSnapshot() + toJson() produce. */
function paymentJson(p: PaymentRow, status: string, version: number) {
  return {
    status,
    amountMinor: p.amount_minor,
    refundedMinor: p.refunded_minor,
    currency: p.currency,
    kind: p.kind,
    provider: p.provider,
    providerPaymentId: p.provider_payment_id,
    customerId: p.customer_id,
    planId: p.plan_id,
    method: p.method,
    description: p.description,
    metadata: p.metadata,
    grantDays: p.grant_days,
    version,
  };
}

/**
 * What a careful engineer writes by hand: one transaction, prepared statements (postgres.js
 * default), locks in the service's order (payment, then subscription, then the audit chains),
 * and the audit hash from lib/audit/hash.ts so the rows are indistinguishable.
 */
function handWrittenOp(sql: postgres.Sql, actor: Extract<Actor, { type: "staff" }>): Op {
  return async (paymentId) => {
    const requestId = randomUUID();
    const now = new Date();
    await sql.begin(async (tx) => {
      const [p] = await tx<PaymentRow[]>`
        select p.id, p.customer_id, p.plan_id, p.amount_minor, p.refunded_minor, p.currency, p.status, p.kind,
               p.provider, p.provider_payment_id, p.method, p.description, p.metadata, p.grant_days, p.version,
               pl.code as plan_code, pl.period_days, pl.trial_days
        from payments p left join plans pl on pl.id = p.plan_id
        where p.id = ${paymentId}
        for update of p`;
      if (!p) throw new Error(`no payment ${paymentId}`);
      const check = checkTransition(p.status, "succeeded", "manual", BigInt(p.amount_minor));
      if (!check.ok) throw new Error(check.reason);
      if (check.noop) return;

      const version = p.version + 1;
      await tx`
        update payments set status = 'succeeded', succeeded_at = ${now}, updated_at = ${now}, version = ${version}
        where id = ${p.id}`;
      const before = paymentJson(p, p.status, p.version);
      const after = paymentJson(p, "succeeded", version);

      const audits: Omit<HashableEntry, "chainSeq" | "prevHash">[] = [];
      const events: { type: string; aggregate_type: string; aggregate_id: string; payload: unknown }[] = [];
      const base = {
        occurredAt: now,
        actorType: "staff",
        actorId: actor.id,
        actorEmail: actor.email,
        actorRole: actor.role,
        via: "cli",
        reason: REASON,
        requestId,
        ip: null,
        userAgent: null,
      };
      audits.push({
        ...base,
        id: randomUUID(),
        action: "payment.status_change",
        entityType: "payment",
        entityId: p.id,
        before: toJson(before),
        after: toJson(after),
        chainKey: `payment:${p.id}`,
      });

      let effect: Record<string, unknown> | null = null;
      const days = p.grant_days ?? (p.kind === "trial" ? p.trial_days : p.period_days) ?? 0;
      if (p.plan_id && p.plan_code && days > 0) {
        const lockSub = () => tx<SubscriptionRow[]>`
          select id, status, current_period_end, started_at, version from subscriptions
          where customer_id = ${p.customer_id} and plan_id = ${p.plan_id}
          for update`;
        let [sub] = await lockSub();
        let created = false;
        if (!sub) {
          [sub] = await tx<SubscriptionRow[]>`
            insert into subscriptions (customer_id, plan_id, status, current_period_end, started_at, created_at, updated_at)
            values (${p.customer_id}, ${p.plan_id}, 'expired', ${now}, ${now}, ${now}, ${now})
            on conflict (customer_id, plan_id) do nothing
            returning id, status, current_period_end, started_at, version`;
          if (sub) created = true;
          else [sub] = await lockSub();
        }
        if (!sub) throw new Error("subscription vanished while locked");

        const previousEnd = created ? null : sub.current_period_end;
        const periodStart = extensionStart(now, previousEnd);
        const periodEnd = addDays(periodStart, days);
        const isTrial = p.kind === "trial";
        // The unique grant per payment is the exactly-once guard.
        const granted = await tx`
          insert into subscription_grants (subscription_id, payment_id, days, is_trial, granted_at, period_start, period_end)
          values (${sub.id}, ${p.id}, ${days}, ${isTrial}, ${now}, ${periodStart}, ${periodEnd})
          on conflict (payment_id) do nothing
          returning id`;
        if (granted.length > 0) {
          let hasPaid = !isTrial;
          if (!hasPaid) {
            const [row] = await tx<{ n: number }[]>`
              select count(*)::int as n from subscription_grants
              where subscription_id = ${sub.id} and revoked_at is null and not is_trial and period_end > ${now}`;
            hasPaid = (row?.n ?? 0) > 0;
          }
          const status = statusFor(periodEnd, now, hasPaid);
          const subVersion = sub.version + 1;
          await tx`
            update subscriptions
            set status = ${status}, current_period_end = ${periodEnd}, started_at = ${created ? now : sub.started_at},
                canceled_at = null, updated_at = ${now}, version = ${subVersion}
            where id = ${sub.id}`;
          const subAfter = { status, currentPeriodEnd: periodEnd, version: subVersion };
          audits.push({
            ...base,
            id: randomUUID(),
            action: "subscription.extend",
            entityType: "subscription",
            entityId: sub.id,
            before: created
              ? null
              : toJson({
                  status: sub.status,
                  currentPeriodEnd: sub.current_period_end,
                  version: sub.version,
                }),
            after: toJson({ ...subAfter, grant: { paymentId: p.id, days, periodStart, periodEnd } }),
            chainKey: `subscription:${sub.id}`,
          });
          events.push({
            type: created ? "subscription.created" : "subscription.updated",
            aggregate_type: "subscription",
            aggregate_id: sub.id,
            payload: toJson({ customerId: p.customer_id, plan: p.plan_code, paymentId: p.id, ...subAfter }),
          });
          effect = {
            subscriptionId: sub.id,
            planCode: p.plan_code,
            days,
            previousEnd,
            currentPeriodEnd: periodEnd,
            status,
            created,
          };
        }
      }
      events.push({
        type: "payment.completed",
        aggregate_type: "payment",
        aggregate_id: p.id,
        payload: toJson({ ...after, previousStatus: p.status, subscription: effect }),
      });

      // Per-entity hash chains, as the service does: the payment and subscription row locks
      // taken above already serialise each chain's writers, and this later statement's
      // snapshot sees whatever the previous lock holder committed.
      const keys = audits.map((a) => a.chainKey);
      const heads = await tx<{ chain_key: string; chain_seq: number | null; hash: string | null }[]>`
        select k.key as chain_key, h.chain_seq, h.hash
        from unnest(${keys}::text[]) as k(key)
        left join lateral (
          select chain_seq, hash from audit_log where chain_key = k.key order by chain_seq desc limit 1
        ) h on true`;
      const headOf = new Map(heads.map((h) => [h.chain_key, h]));
      const rows = audits.map((a) => {
        const head = headOf.get(a.chainKey);
        const entry: HashableEntry = {
          ...a,
          chainSeq: (head?.chain_seq ?? 0) + 1,
          prevHash: head?.hash ?? null,
        };
        return auditRow(entry);
      });
      await insertRows(tx, "audit_log", rows);
      const eventRows = events.map((e) => ({ ...e, occurred_at: now }));
      await insertRows(tx, "domain_events", eventRows);
    });
  };
}

// ---------------------------------------------------------------------------------------
// Driving the ops

interface Timed {
  elapsedMs: number;
  latencies: Float64Array;
  /** CPU time this Node process spent (user + system), in ms: the client-side cost. */
  clientCpuMs: number;
}

/** `concurrency` workers pull ops in order from one queue; the first error stops the run. */
async function drive(ids: string[], concurrency: number, op: Op): Promise<Timed> {
  const latencies = new Float64Array(ids.length);
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null) {
      const i = next++;
      if (i >= ids.length) return;
      const start = performance.now();
      try {
        await op(ids[i]!);
      } catch (err) {
        failure ??= err;
        return;
      }
      latencies[i] = performance.now() - start;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (failure !== null) throw failure;
  return { elapsedMs, latencies, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

type Impl = "service" | "hand-written";
const IMPLS: readonly Impl[] = ["hand-written", "service"];

interface RunResult {
  impl: Impl;
  concurrency: number;
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  latency: LatencySummary;
  clientCpuMsPerOp: number;
  /** Throughput of each round's segment, in the order they ran. */
  roundOpsPerSec: number[];
}

function splitEvenly(total: number, parts: number): number[] {
  const n = Math.min(parts, total);
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

async function openImpl(impl: Impl, concurrency: number, fx: Fixture) {
  if (impl === "hand-written") {
    const sql = postgres(BENCH_URL, {
      max: concurrency,
      ...quiet,
      connection: { application_name: "paydesk-bench" },
    });
    return { op: handWrittenOp(sql, fx.actor), close: () => sql.end({ timeout: 5 }) };
  }
  const handle = await openDatabase({ url: BENCH_URL, max: concurrency });
  return { op: serviceOp(handle.db, fx.actor), close: () => handle.close() };
}

/**
 * One concurrency level: both implementations, each on its own pool of exactly
 * `concurrency` connections, each op on a fresh pending payment. The measured ops are cut
 * into ROUNDS segments run alternately (A B, B A, A B, …) so that drift, such as other
 * load on a shared machine or growing tables, falls on both sides alike.
 */
async function runLevel(raw: postgres.Sql, fx: Fixture, concurrency: number): Promise<RunResult[]> {
  const sizes = splitEvenly(OPS, ROUNDS);
  const work = new Map<Impl, { warm: string[]; segments: string[][] }>();
  for (const impl of IMPLS) {
    const label = `${impl} c${concurrency}`;
    const warm = WARMUP > 0 ? await insertPendingPayments(raw, fx, `${label} warm-up`, WARMUP) : [];
    const segments: string[][] = [];
    for (const [r, size] of sizes.entries()) {
      segments.push(await insertPendingPayments(raw, fx, `${label} round ${r + 1}`, size));
    }
    work.set(impl, { warm, segments });
  }
  await settle(raw);

  const opened = new Map<Impl, Awaited<ReturnType<typeof openImpl>>>();
  for (const impl of IMPLS) opened.set(impl, await openImpl(impl, concurrency, fx));
  const acc = new Map(
    IMPLS.map((impl) => [
      impl,
      { elapsedMs: 0, cpuMs: 0, latencies: [] as Float64Array[], rounds: [] as number[] },
    ]),
  );
  try {
    // The warm-up opens all `concurrency` connections and warms JIT, plans and caches.
    for (const impl of IMPLS) {
      const warm = work.get(impl)!.warm;
      if (warm.length > 0) await drive(warm, concurrency, opened.get(impl)!.op);
    }
    for (let r = 0; r < sizes.length; r++) {
      const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      for (const impl of order) {
        const ids = work.get(impl)!.segments[r]!;
        const timed = await drive(ids, concurrency, opened.get(impl)!.op);
        const a = acc.get(impl)!;
        a.elapsedMs += timed.elapsedMs;
        a.cpuMs += timed.clientCpuMs;
        a.latencies.push(timed.latencies);
        a.rounds.push((ids.length / timed.elapsedMs) * 1000);
      }
    }
  } finally {
    for (const { close } of opened.values()) await close();
  }

  const results: RunResult[] = [];
  for (const impl of IMPLS) {
    const ids = work.get(impl)!.segments.flat();
    await verifyRun(raw, ids);
    const a = acc.get(impl)!;
    const all = new Float64Array(ids.length);
    let offset = 0;
    for (const l of a.latencies) {
      all.set(l, offset);
      offset += l.length;
    }
    const result: RunResult = {
      impl,
      concurrency,
      ops: ids.length,
      elapsedMs: a.elapsedMs,
      opsPerSec: (ids.length / a.elapsedMs) * 1000,
      latency: summarize(all),
      clientCpuMsPerOp: a.cpuMs / ids.length,
      roundOpsPerSec: a.rounds,
    };
    console.log(
      `  ${impl.padEnd(12)} c=${concurrency}: ${result.opsPerSec.toFixed(0)} ops/s, ` +
        `p95 ${result.latency.p95.toFixed(2)} ms (${(a.elapsedMs / 1000).toFixed(1)} s; ` +
        `rounds ${a.rounds.map((x) => x.toFixed(0)).join(" / ")} ops/s)`,
    );
    results.push(result);
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// Profile: statements and client→server round trips per op (one connection)

interface Profile {
  impl: Impl;
  ops: number;
  statementsPerOp: number;
  roundTripsPerOp: number;
  meanLatencyMs: number;
  statements: string[];
}

/** Counts socket writes: with sequential awaits, each one is a client→server round trip. */
function countSocketWrites<T>(fn: () => Promise<T>): Promise<{ value: T; writes: number }> {
  const proto = net.Socket.prototype as unknown as { write: (...args: unknown[]) => boolean };
  const original = proto.write;
  let writes = 0;
  proto.write = function (this: net.Socket, ...args: unknown[]) {
    writes++;
    return original.apply(this, args);
  };
  return fn()
    .then((value) => ({ value, writes }))
    .finally(() => {
      proto.write = original;
    });
}

async function profile(raw: postgres.Sql, fx: Fixture, impl: Impl): Promise<Profile> {
  const warm = await insertPendingPayments(raw, fx, `${impl} profile warm-up`, 5);
  const ids = await insertPendingPayments(raw, fx, `${impl} profile`, PROFILE_OPS);
  const statements: string[] = [];
  let counting = false;
  const debug = (_conn: number, query: string) => {
    if (counting) statements.push(query.replace(/\s+/g, " ").trim());
  };
  // Same construction as openDatabase(), plus postgres.js's debug hook to see each statement.
  const sql = postgres(BENCH_URL, { max: 1, ...quiet, debug });
  const op =
    impl === "service" ? serviceOp(drizzleOverPostgres(sql), fx.actor) : handWrittenOp(sql, fx.actor);
  try {
    await drive(warm, 1, op);
    counting = true;
    const { value: timed, writes } = await countSocketWrites(() => drive(ids, 1, op));
    counting = false;
    const perOp = statements.length / ids.length;
    const oneOp = statements.slice(0, Math.round(perOp));
    return {
      impl,
      ops: ids.length,
      statementsPerOp: perOp,
      roundTripsPerOp: writes / ids.length,
      meanLatencyMs: summarize(timed.latencies).mean,
      statements: oneOp,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// ---------------------------------------------------------------------------------------
// Output

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

// ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = performance.now();
  console.log(`Paydesk service benchmark: payment pending → succeeded (+ subscription, audit, events)`);
  console.log(`  server ${redact(BASE_URL)}, bench database "${DB_NAME}" (recreated)`);

  await recreateDatabase();
  const raw = postgres(BENCH_URL, { max: 1, ...quiet });
  const results: RunResult[] = [];
  const profiles: Profile[] = [];
  let verify: { ok: boolean; checked: number; chains: number; problem: string | null } | null = null;
  let serverInfo: Record<string, string> = {};
  try {
    const [info] = await raw<{ version: string; sync: string; fsync: string; shared_buffers: string }[]>`
      select current_setting('server_version') as version, current_setting('synchronous_commit') as sync,
             current_setting('fsync') as fsync, current_setting('shared_buffers') as shared_buffers`;
    serverInfo = {
      version: info?.version ?? "?",
      synchronousCommit: info?.sync ?? "?",
      fsync: info?.fsync ?? "?",
      sharedBuffers: info?.shared_buffers ?? "?",
    };
    const setupStart = performance.now();
    const fx = await setUp(raw);
    console.log(
      `  PostgreSQL ${serverInfo.version} (synchronous_commit=${serverInfo.synchronousCommit}, ` +
        `fsync=${serverInfo.fsync}, shared_buffers=${serverInfo.sharedBuffers}); ` +
        `node ${process.version}, ${os.cpus().length} CPUs`,
    );
    console.log(
      `  ${OPS} measured ops per run (+${WARMUP} warm-up), concurrency ${CONCURRENCY.join(", ")}; ` +
        `setup ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
    );
    console.log(
      `  contention shape: ${CUSTOMERS} customers, each with one running "${PLAN_CODE}" subscription ` +
        `(renewal: every op extends an existing subscription);\n` +
        `  payment i belongs to customer i mod ${CUSTOMERS}, workers take payments in order, so concurrent ops ` +
        `${CUSTOMERS >= Math.max(...CONCURRENCY) * 2 ? "touch distinct payment, subscription and audit-chain rows" : "contend on the same subscriptions"};\n` +
        `  every run uses its own fresh pending payments; per level, ${ROUNDS} alternating rounds ` +
        `(hand-written/service, then service/hand-written, …) after a ${WARMUP}-op warm-up of each.\n`,
    );

    for (const c of CONCURRENCY) results.push(...(await runLevel(raw, fx, c)));

    if (PROFILE_OPS > 0) {
      profiles.push(await profile(raw, fx, "service"));
      profiles.push(await profile(raw, fx, "hand-written"));
    }

    if (VERIFY) {
      const handle = await openDatabase({ url: BENCH_URL, max: 1 });
      try {
        const v = await verifyAuditChain(handle.db);
        verify = { ok: v.ok, checked: v.checked, chains: v.chains, problem: v.firstBroken?.problem ?? null };
      } finally {
        await handle.close();
      }
    }
  } finally {
    await raw.end({ timeout: 5 });
    if (!KEEP) await dropDatabase();
  }

  // ---- report
  const find = (impl: Impl, c: number) => results.find((r) => r.impl === impl && r.concurrency === c);
  const ratios: Record<string, number> = {};
  const roundRatios: Record<string, number[]> = {};
  for (const c of CONCURRENCY) {
    const s = find("service", c);
    const h = find("hand-written", c);
    if (!s || !h) continue;
    ratios[String(c)] = s.opsPerSec / h.opsPerSec;
    roundRatios[String(c)] = s.roundOpsPerSec.map((x, i) => x / (h.roundOpsPerSec[i] ?? Number.NaN));
  }

  console.log("\nResults");
  console.log(
    table(
      ["run", "conns", "ops", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "client CPU ms/op"],
      results.map((r) => [
        r.impl === "service" ? "service (changePaymentStatus)" : "hand-written SQL (postgres.js)",
        r.concurrency,
        r.ops,
        fmt(r.opsPerSec, 0),
        fmt(r.latency.p50),
        fmt(r.latency.p95),
        fmt(r.latency.p99),
        fmt(r.latency.max),
        fmt(r.clientCpuMsPerOp, 3),
      ]),
    ),
  );
  console.log("\n  service / hand-written throughput:");
  for (const c of CONCURRENCY) {
    const range = roundRatios[String(c)] ?? [];
    const spread =
      range.length > 1 ? ` (per round ${fmt(Math.min(...range))}–${fmt(Math.max(...range))}×)` : "";
    console.log(`    at ${c} connection(s): ${fmt(ratios[String(c)] ?? Number.NaN)}×${spread}`);
  }

  const ratio8 = ratios["8"];
  const p95At1 = find("service", 1)?.latency.p95;
  const targets = {
    serviceRatioAt8: {
      target: `>= ${TARGET_RATIO_AT_8}`,
      value: ratio8 === undefined ? null : round(ratio8, 3),
      met: ratio8 === undefined ? null : ratio8 >= TARGET_RATIO_AT_8,
    },
    serviceP95At1Ms: {
      target: `< ${TARGET_P95_AT_1_MS}`,
      value: p95At1 === undefined ? null : round(p95At1, 2),
      met: p95At1 === undefined ? null : p95At1 < TARGET_P95_AT_1_MS,
    },
  };
  const verdict = (met: boolean | null) => (met === null ? "NOT MEASURED" : met ? "MET" : "MISSED");
  console.log("\nTargets");
  console.log(
    `  service ≥ ${TARGET_RATIO_AT_8}× hand-written throughput at 8 connections: ` +
      `${ratio8 === undefined ? "n/a" : `${fmt(ratio8)}×`} → ${verdict(targets.serviceRatioAt8.met)}`,
  );
  console.log(
    `  service p95 < ${TARGET_P95_AT_1_MS} ms at 1 connection: ` +
      `${p95At1 === undefined ? "n/a" : `${fmt(p95At1)} ms`} → ${verdict(targets.serviceP95At1Ms.met)}`,
  );

  if (profiles.length > 0) {
    console.log(`\nProfile (1 connection, ${PROFILE_OPS} ops each; BEGIN and COMMIT included)`);
    console.log(
      table(
        ["implementation", "statements/op", "round trips/op", "mean ms/op"],
        profiles.map((p) => [
          p.impl,
          fmt(p.statementsPerOp, 1),
          fmt(p.roundTripsPerOp, 1),
          fmt(p.meanLatencyMs),
        ]),
      ),
    );
    if (VERBOSE) {
      for (const p of profiles) {
        console.log(`\n  statements of one ${p.impl} op:`);
        for (const s of p.statements) console.log(`    ${s.length > 150 ? `${s.slice(0, 147)}...` : s}`);
      }
    }
  }
  if (verify) {
    console.log(
      `\nAudit chain check (lib/audit/verify.ts over both implementations' rows): ` +
        `${verify.ok ? "intact" : `BROKEN (${verify.problem})`}, ${verify.checked} entries in ${verify.chains} chains`,
    );
  }
  const totalSec = (performance.now() - started) / 1000;
  console.log(`\nTotal time ${totalSec.toFixed(1)} s${KEEP ? `; database "${DB_NAME}" kept` : ""}`);

  const summary = {
    bench: "service",
    postgres: serverInfo,
    node: process.version,
    cpus: os.cpus().length,
    ops: OPS,
    warmup: WARMUP,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    contention: {
      customers: CUSTOMERS,
      shape: "renewal: each op extends an existing subscription; payment i → customer i mod customers",
    },
    runs: results.map((r) => ({
      impl: r.impl,
      concurrency: r.concurrency,
      ops: r.ops,
      elapsedMs: round(r.elapsedMs, 1),
      opsPerSec: round(r.opsPerSec, 1),
      p50Ms: round(r.latency.p50, 3),
      p95Ms: round(r.latency.p95, 3),
      p99Ms: round(r.latency.p99, 3),
      meanMs: round(r.latency.mean, 3),
      maxMs: round(r.latency.max, 3),
      clientCpuMsPerOp: round(r.clientCpuMsPerOp, 3),
      roundOpsPerSec: r.roundOpsPerSec.map((x) => round(x, 1)),
    })),
    ratioServiceToHandWritten: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 3)])),
    ratioPerRound: Object.fromEntries(
      Object.entries(roundRatios).map(([k, v]) => [k, v.map((x) => round(x, 3))]),
    ),
    targets,
    profile: profiles.map((p) => ({
      impl: p.impl,
      statementsPerOp: round(p.statementsPerOp, 2),
      roundTripsPerOp: round(p.roundTripsPerOp, 2),
      meanMs: round(p.meanLatencyMs, 3),
    })),
    auditChain: verify,
    totalSeconds: round(totalSec, 1),
  };
  console.log(JSON.stringify(summary));

  if (verify && !verify.ok) return 1;
  if (STRICT && (targets.serviceRatioAt8.met === false || targets.serviceP95At1Ms.met === false)) return 2;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
