/**
 * Outbox relay benchmark: domain events written to `domain_events` (emitEvent, one transaction
 * per event, as the services write them) and relayed into NATS JetStream by the relay loop
 * (lib/events/relay.ts, runRelayLoop: the `relay` lease, relayBatch, marking after the ack).
 *
 * 1. Recreates a scratch database on the PostgreSQL server of BENCH_DATABASE_URL,
 *    TEST_DATABASE_URL or DATABASE_URL (named paydesk_bench_events unless BENCH_DATABASE_URL
 *    names one) and migrates it; creates a scratch stream on NATS_URL (default
 *    nats://127.0.0.1:4222). Both are deleted at the end (BENCH_KEEP=1 keeps the database).
 * 2. Live: the relay loop runs while BENCH_WRITERS (16) sessions write BENCH_EVENTS (20,000)
 *    events over BENCH_AGGREGATES (2,000) aggregates as fast as they can. The commit time of
 *    each event is taken when its COMMIT returns; its ack time is the time JetStream stored it
 *    (the stream message's timestamp, same machine clock). Prints events/s (first commit to
 *    last ack) and the commit → ack lag p50/p95/p99.
 * 3. Drain: with the relay stopped, another BENCH_EVENTS events wait in the outbox; then the
 *    relay starts and the time until the outbox is empty gives the relay's own events/s.
 * 4. Checks the stream: every event exactly once (by Nats-Msg-Id), and each aggregate's events
 *    in their aggregate_seq order. Targets (2 cores): ≥ 2,000 events/s (the drain; live, the
 *    relay must keep up with the writers), p99 commit → ack lag < 1 s.
 *    Prints PASS or FAIL; BENCH_STRICT=1 exits 2 on FAIL.
 *
 *   npm run bench:events
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:events
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import postgres from "postgres";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { emitEvent } from "@/lib/events/emit";
import { emptyRelayStatus, outboxBacklog, runRelayLoop, type StreamTarget } from "@/lib/events/relay";
import { intEnv, quiet, redact, table, withDatabase } from "./lib/common";
import { databaseName } from "./lib/database";
import { round, summarize } from "./lib/stats";

// ---------------------------------------------------------------------------------------
// Configuration

const SERVER_URL =
  process.env.BENCH_DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  process.env.DATABASE_URL ||
  "postgres://postgres@127.0.0.1:5432/postgres";
const BENCH_URL = process.env.BENCH_DATABASE_URL || withDatabase(SERVER_URL, "paydesk_bench_events");
const NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";
const EVENTS = intEnv("BENCH_EVENTS", 20_000, 1);
const AGGREGATES = intEnv("BENCH_AGGREGATES", 2_000, 1);
const WRITERS = intEnv("BENCH_WRITERS", 16, 1);
const STRICT = process.env.BENCH_STRICT === "1";
const TARGET_RATE = 2_000;
const TARGET_P99_MS = 1_000;
const DB_NAME = databaseName(BENCH_URL);

const ms = (n: number) => `${n.toFixed(1)} ms`;
const now = () => performance.timeOrigin + performance.now();

async function recreateDatabase(): Promise<void> {
  const admin = postgres(withDatabase(BENCH_URL, "postgres"), { max: 1, ...quiet });
  try {
    await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
    await admin.unsafe(`create database "${DB_NAME}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function dropDatabase(): Promise<void> {
  const admin = postgres(withDatabase(BENCH_URL, "postgres"), { max: 1, ...quiet });
  try {
    await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

// ---------------------------------------------------------------------------------------
// Writing events

interface Written {
  /** Commit time (epoch ms) of event n (payload.n), by n. */
  committedAt: Float64Array;
  first: number;
  last: number;
}

const aggregateIds = Array.from({ length: AGGREGATES }, () => randomUUID());

/**
 * Writes events [from, from + count) over the aggregates: event n belongs to aggregate
 * n % AGGREGATES, and writer w writes the aggregates ≡ w (mod WRITERS), so one aggregate's
 * events are written one after another (as under the aggregate's row lock in the services).
 */
async function writeEvents(from: number, count: number, committedAt: Float64Array): Promise<Written> {
  const handle = await openDatabase({ url: BENCH_URL, max: WRITERS });
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  try {
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let n = from; n < from + count; n++) {
          const a = n % AGGREGATES;
          if (a % WRITERS !== w) continue;
          await handle.db.transaction(async (tx) => {
            await emitEvent(tx, {
              type: n < AGGREGATES ? "payment.created" : "payment.updated",
              aggregateType: "payment",
              aggregateId: aggregateIds[a]!,
              payload: { n, amountMinor: 59_900, currency: "RUB", status: "processing" },
              at: new Date(),
            });
          });
          const t = now();
          committedAt[n] = t;
          if (t < first) first = t;
          if (t > last) last = t;
        }
      }),
    );
  } finally {
    await handle.close();
  }
  return { committedAt, first, last };
}

// ---------------------------------------------------------------------------------------
// Reading the stream back

interface Stored {
  id: string | undefined;
  n: number;
  aggregateId: string;
  seq: number;
  storedAt: number;
}

async function readStream(target: StreamTarget): Promise<Stored[]> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(target.stream)).state.messages;
    const js = jetstream(nc);
    const consumer = await js.consumers.get(target.stream, {
      deliver_policy: DeliverPolicy.All,
    });
    const out: Stored[] = [];
    if (total === 0) return out;
    const messages = await consumer.consume({ max_messages: 1_000 });
    for await (const m of messages) {
      const body = m.json<{ aggregate: { id: string; seq: number }; data: { n: number } }>();
      out.push({
        id: m.headers?.get("Nats-Msg-Id"),
        n: body.data.n,
        aggregateId: body.aggregate.id,
        seq: body.aggregate.seq,
        storedAt: m.info.timestampNanos / 1e6,
      });
      if (m.info.pending === 0 && out.length >= total) break;
    }
    await messages.close();
    return out;
  } finally {
    await nc.close();
  }
}

function check(stored: Stored[], expected: number): string[] {
  const problems: string[] = [];
  if (stored.length !== expected)
    problems.push(`${stored.length} messages in the stream, expected ${expected}`);
  const ids = new Set(stored.map((s) => s.id));
  if (ids.size !== stored.length) problems.push(`${stored.length - ids.size} duplicate Nats-Msg-Id`);
  const lastSeq = new Map<string, number>();
  let outOfOrder = 0;
  for (const s of stored) {
    const prev = lastSeq.get(s.aggregateId) ?? 0;
    if (s.seq !== prev + 1) outOfOrder++;
    lastSeq.set(s.aggregateId, s.seq);
  }
  if (outOfOrder > 0) problems.push(`${outOfOrder} events out of their aggregate's order`);
  return problems;
}

// ---------------------------------------------------------------------------------------

async function waitForEmptyOutbox(db: Parameters<typeof outboxBacklog>[0], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await outboxBacklog(db)) > 0) {
    if (Date.now() > until) throw new Error("the relay did not empty the outbox in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  console.log("Paydesk events benchmark: domain_events → relay loop → NATS JetStream");
  console.log(
    `  database ${redact(BENCH_URL)} (recreated), NATS ${NATS_URL}, ${EVENTS} events × 2 phases over ${AGGREGATES} aggregates, ${WRITERS} writers`,
  );
  await recreateDatabase();
  const handle = await openDatabase({ url: BENCH_URL, max: 4 });
  await migrateDatabase(handle);

  const tag = randomUUID().replaceAll("-", "").slice(0, 10);
  const target: StreamTarget = { stream: `BENCH_EVENTS_${tag}`, prefix: `bench_events_${tag}.` };
  const admin = await connect({ servers: NATS_URL });
  const committedAt = new Float64Array(EVENTS * 2);
  let failures: string[] = [];
  try {
    // --- Live: writers and the relay at the same time.
    const status = emptyRelayStatus();
    const drainStatus = emptyRelayStatus();
    let batches = 0;
    // Batch failures and the longest time between two batches, to explain a slow run.
    const errors: string[] = [];
    let lastBatchAt = 0;
    let longestGapMs = 0;
    let ackedAt = 0;
    let slowest = { total: 0, toAck: 0, toMark: 0, published: 0 };
    const beforeMark = async () => {
      ackedAt = now();
    };
    const onBatch = (r: { error: string | null; published: number }) => {
      batches++;
      const t = now();
      if (lastBatchAt > 0) {
        longestGapMs = Math.max(longestGapMs, t - lastBatchAt);
        if (r.published > 0 && t - lastBatchAt > slowest.total) {
          slowest = {
            total: t - lastBatchAt,
            toAck: ackedAt - lastBatchAt,
            toMark: t - ackedAt,
            published: r.published,
          };
        }
      }
      lastBatchAt = t;
      if (r.error && errors.at(-1) !== r.error) errors.push(r.error);
    };
    let relay = runRelayLoop({
      db: handle.db,
      url: NATS_URL,
      target,
      holder: `bench:${process.pid}`,
      status,
      onBatch,
      beforeMark,
    });
    const watch = setInterval(() => {
      for (const st of [status, drainStatus]) {
        if (st.lastError && errors.at(-1) !== st.lastError) errors.push(st.lastError);
      }
    }, 20);
    // Let it connect and create the stream before the clock starts.
    while (!status.connected) await new Promise((r) => setTimeout(r, 20));
    const live = await writeEvents(0, EVENTS, committedAt);
    await waitForEmptyOutbox(handle.db, 120_000).catch((err) => {
      console.error(status);
      throw err;
    });
    await relay.stop();
    const liveBatches = batches;

    const liveStored = await readStream(target);
    failures.push(...check(liveStored, EVENTS).map((p) => `live: ${p}`));
    const lags = liveStored.map((s) => s.storedAt - committedAt[s.n]!);
    const lastAck = Math.max(...liveStored.map((s) => s.storedAt));
    const liveSeconds = (lastAck - live.first) / 1000;
    const liveRate = EVENTS / liveSeconds;
    const writeRate = EVENTS / ((live.last - live.first) / 1000);
    const lag = summarize(lags);

    // --- Drain: a backlog of EVENTS, then the relay alone.
    await writeEvents(EVENTS, EVENTS, committedAt);
    const backlog = await outboxBacklog(handle.db);
    batches = 0;
    lastBatchAt = 0;
    const t0 = now();
    relay = runRelayLoop({
      db: handle.db,
      url: NATS_URL,
      target,
      holder: `bench:${process.pid}`,
      status: drainStatus,
      onBatch,
      beforeMark,
    });
    await waitForEmptyOutbox(handle.db, 120_000);
    const drainSeconds = (now() - t0) / 1000;
    await relay.stop();
    const drainRate = backlog / drainSeconds;
    clearInterval(watch);

    const allStored = await readStream(target);
    failures.push(...check(allStored, EVENTS * 2).map((p) => `all: ${p}`));

    console.log("");
    console.log(
      table(
        ["phase", "events", "seconds", "events/s", "batches", "lag p50", "lag p95", "lag p99", "lag max"],
        [
          [
            "live (writers + relay)",
            EVENTS,
            round(liveSeconds, 2),
            Math.round(liveRate),
            liveBatches,
            ms(lag.p50),
            ms(lag.p95),
            ms(lag.p99),
            ms(lag.max),
          ],
          [
            "drain (backlog → stream)",
            backlog,
            round(drainSeconds, 2),
            Math.round(drainRate),
            batches,
            "",
            "",
            "",
            "",
          ],
        ],
      ),
    );
    console.log(
      `  the writers committed ${Math.round(writeRate)} events/s during the live phase${
        liveRate >= writeRate * 0.95 ? " (the relay kept up: the live figure is theirs)" : ""
      }`,
    );
    console.log(
      `  relay: longest time between batches ${ms(longestGapMs)}; slowest batch ${slowest.published} events: ${ms(slowest.toAck)} to read and publish, ${ms(slowest.toMark)} to mark; ${errors.length ? `errors: ${[...new Set(errors)].join(" | ")}` : "no errors"}`,
    );
    console.log(
      `  stream: ${allStored.length} messages, ${new Set(allStored.map((s) => s.id)).size} distinct Nats-Msg-Id`,
    );
    // The relay's own rate is the drain's. Live, it can only go as fast as the writers commit: it
    // passes when it kept up with them (on a busy machine they may commit fewer than 2,000/s).
    if (drainRate < TARGET_RATE) failures.push(`relay ${Math.round(drainRate)} events/s < ${TARGET_RATE}`);
    if (liveRate < Math.min(TARGET_RATE, writeRate) * 0.95) {
      failures.push(
        `live ${Math.round(liveRate)} events/s: the relay fell behind the writers (${Math.round(writeRate)}/s)`,
      );
    }
    if (lag.p99 >= TARGET_P99_MS) failures.push(`p99 lag ${ms(lag.p99)} ≥ ${TARGET_P99_MS} ms`);
    failures = [...new Set(failures)];
    console.log("");
    console.log(
      failures.length === 0
        ? `PASS: the relay ≥ ${TARGET_RATE} events/s and kept up live, p99 commit → ack lag < ${TARGET_P99_MS} ms, each event once and in order`
        : `FAIL: ${failures.join("; ")}`,
    );
  } finally {
    const jsm = await jetstreamManager(admin);
    await jsm.streams.delete(target.stream).catch(() => {});
    await admin.close();
    await handle.close();
    if (process.env.BENCH_KEEP !== "1") await dropDatabase();
  }
  if (STRICT && failures.length > 0) process.exit(2);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
