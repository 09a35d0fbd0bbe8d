import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { eq, isNull, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { domainEvents, jobLeases } from "@/db/schema";
import { emitEvent } from "@/lib/events/emit";
import {
  emptyRelayStatus,
  RELAY_JOB,
  type RelayLoop,
  runRelayLoop,
  type StreamTarget,
} from "@/lib/events/relay";
import { relayOverview, relayStatusLine } from "@/lib/overview/relay-status";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import {
  deleteStream,
  findNatsServer,
  natsReachable,
  type PrivateNats,
  readStream,
  SHARED_NATS_URL,
  type StreamMessage,
  startPrivateNats,
  streamProblems,
} from "../support/nats-server";

/**
 * Issue 11's relay guarantees against the real broker and real PostgreSQL: a relay killed
 * (kill -9) between JetStream's ack and `published_at`, a 30-second broker outage, and two
 * instances relaying at once — each event in the stream exactly once, every aggregate's events
 * in their aggregate_seq order. Each test has a stream and subject prefix of its own.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const WORKER = "tests/support/relay-worker.ts";

const natsUp = await natsReachable();
const natsBin = findNatsServer();
if (backend === "postgres" && !natsUp) {
  console.warn(
    `relay-delivery: no NATS at ${SHARED_NATS_URL}: the kill -9 and two-instance tests are skipped`,
  );
}
if (backend === "postgres" && !natsBin) {
  console.warn(
    "relay-delivery: nats-server not found (NATS_SERVER_BIN, PATH, /usr/sbin): the outage test is skipped",
  );
}

function newTarget(): StreamTarget {
  const tag = randomUUID().replaceAll("-", "").slice(0, 12);
  return { stream: `PAYDESK_D${tag}`, prefix: `paydesk_d${tag}.` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function emit(t: TestDatabase, aggregateId: string, step: number): Promise<void> {
  await t.db.transaction(async (tx) => {
    await emitEvent(tx, {
      type: step === 0 ? "payment.created" : "payment.updated",
      aggregateType: "payment",
      aggregateId,
      payload: { step },
      at: new Date(),
    });
  });
}

async function unpublished(t: TestDatabase): Promise<number> {
  const [row] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt));
  return Number(row?.n);
}

async function allIds(t: TestDatabase): Promise<string[]> {
  return (await t.db.select({ id: domainEvents.id }).from(domainEvents)).map((r) => r.id);
}

// ---------------------------------------------------------------------------------------
// Relay workers (child processes)

interface Worker {
  name: string;
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<void>;
}

function startWorker(
  t: TestDatabase,
  target: StreamTarget,
  name: string,
  env: Record<string, string> = {},
): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: t.url!,
      NATS_URL: SHARED_NATS_URL,
      RELAY_STREAM: target.stream,
      RELAY_PREFIX: target.prefix,
      WORKER_HOLDER: name,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const w: Worker = {
    name,
    child,
    lines: [],
    exited: new Promise((resolve) => child.once("exit", () => resolve())),
  };
  let buf = "";
  child.stdout?.on("data", (d) => {
    buf += String(d);
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        w.lines.push(JSON.parse(l));
      } catch {
        // not a line of ours
      }
      i = buf.indexOf("\n");
    }
  });
  child.stderr?.on("data", (d) => process.stderr.write(`[${name}] ${d}`));
  return w;
}

const alive = (w: Worker) => w.child.exitCode === null && w.child.signalCode === null;

async function kill9(w: Worker): Promise<void> {
  if (alive(w)) w.child.kill("SIGKILL");
  await w.exited;
}

async function stopWorker(w: Worker): Promise<void> {
  if (alive(w)) w.child.kill("SIGTERM");
  const timer = setTimeout(() => w.child.kill("SIGKILL"), 10_000);
  await w.exited;
  clearTimeout(timer);
}

const has = (w: Worker, event: string) => w.lines.some((l) => l.event === event);

// ---------------------------------------------------------------------------------------

describe.runIf(backend === "postgres")("relay delivery on PostgreSQL and real NATS", () => {
  let t: TestDatabase;
  let target: StreamTarget;
  let admin: NatsConnection | null = null;
  const workers: Worker[] = [];

  beforeAll(async () => {
    if (natsUp) admin = await connect({ servers: SHARED_NATS_URL });
  });
  afterAll(async () => {
    await admin?.close();
  });
  beforeEach(async () => {
    t = await freshDatabase();
    target = newTarget();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map(kill9));
    if (admin) await deleteStream(admin, target.stream);
    await t.close();
  });

  it.skipIf(!natsUp)(
    "kill -9 between JetStream's ack and published_at, again and again: each event once in the stream, all published in the end",
    async () => {
      const aggregates = Array.from({ length: 6 }, () => randomUUID());
      for (let step = 0; step < 40; step++) for (const a of aggregates) await emit(t, a, step);
      const total = aggregates.length * 40; // 240
      const lease = { RELAY_LEASE_MS: "1000" };

      // 1. Killed exactly there: its first batch is acked by JetStream, nothing is marked.
      const first = startWorker(t, target, "killed-after-ack", {
        ...lease,
        RELAY_BATCH: "60",
        RELAY_HANG_BEFORE_MARK: "1",
      });
      workers.push(first);
      await until("the first batch's acks", () => has(first, "acked"), 60_000);
      await kill9(first);
      const acked = first.lines.find((l) => l.event === "acked")!.ids as string[];
      // The whole batch, unless a slow machine made it stop at its lease's deadline.
      expect(acked.length).toBeGreaterThan(0);
      expect(acked.length).toBeLessThanOrEqual(60);
      expect(await unpublished(t)).toBe(total);
      expect((await readStream(admin!, target.stream)).map((m) => m.body.id).sort()).toEqual(
        [...acked].sort(),
      );

      // 2. Killed at random moments while it publishes and marks (each ack waits 0–150 ms
      //    before its mark, a window to land in).
      for (let round = 0; round < 4; round++) {
        const w = startWorker(t, target, `killed-${round}`, {
          ...lease,
          RELAY_BATCH: "25",
          RELAY_MARK_DELAY_MS: String(Math.floor(Math.random() * 150)),
        });
        workers.push(w);
        await until(`worker ${round} to publish`, () => has(w, "acked"), 60_000);
        await sleep(Math.floor(Math.random() * 200));
        await kill9(w);
      }

      // 3. A relay that is left alone finishes the job.
      const last = startWorker(t, target, "survivor", lease);
      workers.push(last);
      await until("an empty outbox", async () => (await unpublished(t)) === 0, 60_000);
      await stopWorker(last);

      const messages = await readStream(admin!, target.stream);
      expect(streamProblems(messages, await allIds(t))).toEqual([]);
      expect(messages).toHaveLength(total);
      expect(new Set(messages.map((m) => m.msgId)).size).toBe(total);
    },
    120_000,
  );

  it.skipIf(!natsUp)(
    "two instances relaying at once while events are written: each event once, each aggregate in order",
    async () => {
      const lease = { RELAY_LEASE_MS: "1500", RELAY_BATCH: "20" };
      const running = [
        startWorker(t, target, "instance-a", lease),
        startWorker(t, target, "instance-b", lease),
      ];
      workers.push(...running);
      await until("both instances", () => running.every((w) => has(w, "ready")), 60_000);

      const aggregates = Array.from({ length: 5 }, () => randomUUID());
      const steps = 40;
      let killed: string | null = null;
      // One writer per aggregate: its events one after another, as under the aggregate's lock.
      const writers = aggregates.map(async (a, i) => {
        for (let step = 0; step < steps; step++) {
          await emit(t, a, step);
          await sleep(5 + ((i * 7 + step) % 20));
          // Halfway, the instance relaying is killed; another one starts, so two keep running.
          if (i === 0 && step === steps / 2) {
            const [row] = await t.db.select().from(jobLeases).where(eq(jobLeases.name, RELAY_JOB));
            const holder = running.find((w) => w.name === row?.holder);
            if (holder) {
              killed = holder.name;
              await kill9(holder);
              const replacement = startWorker(t, target, "instance-c", lease);
              workers.push(replacement);
              running.push(replacement);
            }
          }
        }
      });
      await Promise.all(writers);
      await until("an empty outbox", async () => (await unpublished(t)) === 0, 60_000);
      await Promise.all(running.filter(alive).map(stopWorker));

      expect(killed).not.toBeNull();
      const messages = await readStream(admin!, target.stream);
      expect(streamProblems(messages, await allIds(t))).toEqual([]);
      expect(messages).toHaveLength(aggregates.length * steps);
      // More than one instance published: the lease moved, and order held across the move.
      const publishers = running.filter((w) =>
        w.lines.some((l) => l.event === "batch" && Number(l.published) > 0),
      );
      expect(publishers.length).toBeGreaterThanOrEqual(2);
    },
    120_000,
  );

  describe.skipIf(!natsBin)("a broker outage of 30 seconds", () => {
    let nats: PrivateNats;
    let relay: RelayLoop | null = null;
    beforeEach(async () => {
      nats = await startPrivateNats(natsBin);
    });
    afterEach(async () => {
      await relay?.stop();
      relay = null;
      await nats.close();
    });

    it("loses nothing, doubles nothing, keeps each aggregate's order, and shows the outage meanwhile", async () => {
      const status = emptyRelayStatus();
      relay = runRelayLoop({
        db: t.db,
        url: nats.url,
        target,
        holder: "instance-outage",
        status,
        leaseMs: 3_000,
        idleMs: 50,
        retryMs: 250,
        reportEveryMs: 250,
        // Shorter than the outage: the holder also lets its lease go and comes back fresh.
        handoverAfterMs: 10_000,
      });
      const aggregates = Array.from({ length: 4 }, () => randomUUID());
      const next = new Map(aggregates.map((a) => [a, 0]));
      let writing = true;
      const writer = (async () => {
        while (writing) {
          for (const a of aggregates) {
            const step = next.get(a)!;
            await emit(t, a, step);
            next.set(a, step + 1);
          }
          await sleep(100);
        }
      })();

      await until("events published before the outage", () => status.publishedTotal >= 20);
      await nats.stop();
      const outageStart = Date.now();
      const seen = { disconnected: false, rowError: false, line: "" };
      while (Date.now() - outageStart < 30_000) {
        if (!status.connected && status.lastError) seen.disconnected = true;
        const o = await relayOverview(t.db, { natsUrl: nats.url });
        if (o.state === "failing" && o.connected === false) {
          seen.rowError = true;
          seen.line = relayStatusLine(o, new Date());
        }
        await sleep(500);
      }
      const backlogDuringOutage = await unpublished(t);
      await nats.start();
      await sleep(500);
      writing = false;
      await writer;
      await until(
        "an empty outbox after the broker came back",
        async () => (await unpublished(t)) === 0,
        60_000,
      );
      await until("the relay to report success", () => status.lastError === null, 10_000);

      expect(seen.disconnected).toBe(true);
      expect(seen.rowError).toBe(true);
      expect(seen.line).toMatch(/^Events: NATS unreachable since .+ UTC, .+ \([\d,]+ waiting\)$/);
      expect(backlogDuringOutage).toBeGreaterThan(100); // events kept coming for 30 s
      expect(status).toMatchObject({ connected: true, failingSince: null });

      const nc = await connect({ servers: nats.url });
      let messages: StreamMessage[];
      try {
        messages = await readStream(nc, target.stream);
      } finally {
        await nc.close();
      }
      const ids = await allIds(t);
      expect(streamProblems(messages, ids)).toEqual([]);
      expect(messages).toHaveLength(ids.length);
      const o = await relayOverview(t.db, { natsUrl: nats.url });
      expect(o).toMatchObject({ state: "relaying", backlog: 0, lastError: null, failingSince: null });
    }, 120_000);
  });
});
