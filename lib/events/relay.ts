import { type JetStreamClient, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db, Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { type DomainEvent, domainEvents, jobLeases } from "@/db/schema";
import { acquireLease, type Lease, releaseLease, renewLease } from "../jobs/lease";
import { processGlobal } from "../process-global";
import { eventMessage } from "./envelope";

/** The stream every domain event goes to (ARCHITECTURE §2: `paydesk.<event type>`). */
export const STREAM = "PAYDESK";
export const SUBJECT_PREFIX = "paydesk.";
/** JetStream drops a second publish with the same Nats-Msg-Id within this window. */
export const DUPLICATE_WINDOW_MS = 5 * 60_000;
/** Events read per batch; each aggregate's share is published in order, aggregates side by side. */
export const RELAY_BATCH = 1_000;

/** Where events go; tests use a stream of their own. */
export interface StreamTarget {
  stream: string;
  prefix: string;
}
export const DEFAULT_TARGET: StreamTarget = { stream: STREAM, prefix: SUBJECT_PREFIX };

/** Creates the stream if it is missing (file storage, a duplicate window for exactly-once). */
export async function ensureStream(nc: NatsConnection, target: StreamTarget = DEFAULT_TARGET): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(target.stream);
  } catch {
    await jsm.streams.add({
      name: target.stream,
      subjects: [`${target.prefix}>`],
      storage: StorageType.File,
      duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000,
    });
  }
}

export interface RelayBatchResult {
  /** Events JetStream acknowledged and that are now marked published. */
  published: number;
  /** Unpublished events left after this batch (the backlog). */
  remaining: number;
  /** Milliseconds from the oldest published event's occurrence to the mark after its ack. */
  maxLagMs: number;
  /** Events whose publish failed (their aggregate's later events were not tried). */
  failed: number;
  /** The first publish failure, when some events went out and others did not. */
  error: string | null;
}

export interface RelayBatchOptions {
  limit?: number;
  target?: StreamTarget;
  /**
   * No publish starts after this moment (the end of the caller's lease, less a margin): a relay
   * that was slowed down past its lease stops before another instance could be publishing.
   */
  deadline?: Date;
  /** Test hook (tests/support/relay-worker.ts): runs after the acks, before the mark. */
  beforeMark?: (ids: string[]) => Promise<void>;
}

/** Ids as one text parameter: the same prepared statement whatever the batch's size. */
function idList(ids: string[]) {
  return sql`string_to_array(${ids.join(",")}, ',')::uuid[]`;
}

/**
 * Publishes the oldest unpublished events once, and marks them published.
 *
 * - Order: one aggregate's events are published one after another in their sequence, each
 *   publish awaiting its ack before the next starts; different aggregates go side by side. An
 *   aggregate stops at its first failure, so none of its later events can reach the stream
 *   before it, and the rest waits for the next batch. (Rows come in `position` order, and an
 *   aggregate's seq n+1 is only written after seq n committed, so a batch never holds n+1
 *   without n unless n is already published.)
 * - At least once: an event is marked published only after JetStream acknowledged it. Exactly
 *   once in the stream: a crash between ack and mark republishes the same Nats-Msg-Id, which
 *   JetStream drops within its duplicate window.
 * - One relay runs at a time (the caller holds the `relay` lease and passes its end as
 *   `deadline`), so order holds across instances.
 */
export async function relayBatch(
  db: Db,
  js: JetStreamClient,
  options: RelayBatchOptions = {},
): Promise<RelayBatchResult> {
  const limit = options.limit ?? RELAY_BATCH;
  const prefix = (options.target ?? DEFAULT_TARGET).prefix;
  const deadline = options.deadline?.getTime() ?? Number.POSITIVE_INFINITY;
  const rows = await db
    .select()
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt))
    .orderBy(asc(domainEvents.position))
    .limit(limit);
  const byAggregate = new Map<string, DomainEvent[]>();
  for (const row of rows) {
    const key = `${row.aggregateType}\u0000${row.aggregateId}`;
    const list = byAggregate.get(key);
    if (list) list.push(row);
    else byAggregate.set(key, [row]);
  }
  const acked: DomainEvent[] = [];
  let failure: Error | null = null;
  let failed = 0;
  await Promise.all(
    [...byAggregate.values()].map(async (events) => {
      events.sort((a, b) => a.aggregateSeq - b.aggregateSeq);
      for (const [i, e] of events.entries()) {
        if (Date.now() >= deadline) return; // the lease may be someone else's by now
        try {
          // msgID is the Nats-Msg-Id header: JetStream's duplicate detection.
          await js.publish(`${prefix}${e.type}`, JSON.stringify(eventMessage(e)), { msgID: e.id });
          acked.push(e);
        } catch (err) {
          failure ??= err as Error;
          failed += events.length - i;
          return; // the rest of this aggregate waits for the next batch, in order
        }
      }
    }),
  );
  if (options.beforeMark && acked.length > 0) await options.beforeMark(acked.map((e) => e.id));
  const now = new Date();
  if (acked.length > 0) {
    await db
      .update(domainEvents)
      .set({ publishedAt: now })
      .where(
        and(
          sql`${domainEvents.id} = any(${idList(acked.map((e) => e.id))})`,
          isNull(domainEvents.publishedAt),
        ),
      );
  }
  if (failure && acked.length === 0) throw failure;
  // A short batch read everything there was: what is left is what failed (plus whatever was
  // committed since, which the next read finds). Only a full batch counts, and only so far.
  const remaining =
    rows.length < limit ? rows.length - acked.length : await outboxBacklog(db, BACKLOG_COUNT_CAP);
  return {
    published: acked.length,
    remaining,
    maxLagMs: acked.reduce((m, a) => Math.max(m, now.getTime() - a.occurredAt.getTime()), 0),
    failed,
    error: failure ? (failure as Error).message : null,
  };
}

/** Connects to NATS_URL and makes sure the stream exists; the connection reconnects by itself. */
export async function connectRelay(
  url: string,
  target: StreamTarget = DEFAULT_TARGET,
): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
  const nc = await connect({
    servers: url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    name: "paydesk-relay",
    // No stack trace captured up front for every request (a third of the relay's CPU time).
    noAsyncTraces: true,
  });
  try {
    await ensureStream(nc, target);
  } catch (err) {
    await nc.close().catch(() => {});
    throw err;
  }
  return { nc, js: jetstream(nc, { timeout: 5_000 }) };
}

/** How far relayBatch counts the backlog after a full batch (a long outage must not make each batch slow). */
export const BACKLOG_COUNT_CAP = 100_000;

/**
 * Unpublished events (for the health route and the overview), counted on the partial index
 * domain_events_unpublished_position_idx; `cap` stops counting there.
 */
export async function outboxBacklog(db: Queryable, cap?: number): Promise<number> {
  if (cap !== undefined) {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from (select 1 from ${domainEvents}
        where ${domainEvents.publishedAt} is null limit ${cap}) as unpublished`,
    );
    return Number(row?.n ?? 0);
  }
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt));
  return Number(row?.n ?? 0);
}

// ---------------------------------------------------------------------------------------
// The relay loop: every instance runs it, the `relay` lease lets one publish at a time.

export const RELAY_JOB = "relay";

/** This instance's view of its relay loop (the health route; the database row is for everyone). */
export interface RelayStatus {
  enabled: boolean;
  /** This instance holds the `relay` lease (the others stand by). */
  holding: boolean;
  connected: boolean;
  backlog: number | null;
  lastPublishedAt: Date | null;
  lastLagMs: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Since when publishing has been failing without a success in between. */
  failingSince: Date | null;
  /** Events this instance published since it started. */
  publishedTotal: number;
}

export function emptyRelayStatus(): RelayStatus {
  return {
    enabled: false,
    holding: false,
    connected: false,
    backlog: null,
    lastPublishedAt: null,
    lastLagMs: null,
    lastError: null,
    lastErrorAt: null,
    failingSince: null,
    publishedTotal: 0,
  };
}

/** The relay loop of this process (startRelay). */
export const relayStatus: RelayStatus = processGlobal("relayStatus", emptyRelayStatus);

/**
 * What the holder writes into the `relay` row of job_leases (`last_result`, with `last_error`
 * and `last_finished_at` = when it was written) every few seconds, so that every instance's
 * overview and health route can tell how delivery is going, whichever instance relays.
 */
export interface RelayReport {
  connected: boolean;
  backlog: number | null;
  lastPublishedAt: string | null;
  lastLagMs: number | null;
  failingSince: string | null;
  publishedTotal: number;
}

export interface RelayLoopOptions {
  db: Db;
  url: string;
  target?: StreamTarget;
  /** Unique per instance (scheduler's INSTANCE_ID). */
  holder: string;
  /** How long the lease lasts without renewal: a killed holder blocks the others this long. */
  leaseMs?: number;
  /** Pause when the outbox is empty. */
  idleMs?: number;
  /** Pause after a failure. */
  retryMs?: number;
  /** How often the holder renews its lease and writes its report. */
  reportEveryMs?: number;
  /**
   * A holder failing this long lets the lease go (and drops its connection with whatever it had
   * buffered), so that an instance that can reach the broker takes over.
   */
  handoverAfterMs?: number;
  batchSize?: number;
  /** Where this loop keeps its state (default: the module's relayStatus). */
  status?: RelayStatus;
  beforeMark?: RelayBatchOptions["beforeMark"];
  onBatch?: (result: RelayBatchResult) => void;
}

export interface RelayLoop {
  status: RelayStatus;
  /** Stops after the current batch, lets the lease go and closes the connection. */
  stop(): Promise<void>;
}

/** The broker's address for messages people read: never its credentials. */
function natsLocation(url: string): string {
  return url
    .split(",")
    .map((u) => u.trim().replace(/\/\/[^@/]*@/, "//"))
    .join(",");
}

const sleep = (ms: number, signal: { wake?: () => void }) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
    signal.wake = () => {
      clearTimeout(t);
      resolve();
    };
  });

/** Extends the lease (same holder and token) and writes the report on the row in one UPDATE. */
function heartbeat(
  db: Db,
  lease: Lease,
  ttlMs: number,
  report: RelayReport,
  error: string | null,
  now = new Date(),
): Promise<boolean> {
  return renewLease(db, lease, ttlMs, now, { result: report as unknown as Record<string, unknown>, error });
}

/**
 * The outbox relay loop. Every instance runs one; the `relay` lease (job_leases) lets one of
 * them publish at a time, so one aggregate's events reach the stream in order, and another
 * takes over within `leaseMs` when the holder dies, at once when it stops, and after
 * `handoverAfterMs` when it cannot reach the broker. The holder writes how it is doing on the
 * lease row (RelayReport) every `reportEveryMs`; broker outages and the backlog are never silent.
 */
export function runRelayLoop(options: RelayLoopOptions): RelayLoop {
  const {
    db,
    url,
    holder,
    target = DEFAULT_TARGET,
    leaseMs = 15_000,
    idleMs = 250,
    retryMs = 1_000,
    reportEveryMs = 2_000,
    handoverAfterMs = 30_000,
  } = options;
  const status = options.status ?? relayStatus;
  status.enabled = true;
  let running = true;
  const waker: { wake?: () => void } = {};
  let conn: { nc: NatsConnection; js: JetStreamClient } | null = null;
  let linkUp = false;
  let streamChecked = false;
  let lease: Lease | null = null;
  let heldSince = 0;
  let lastReportAt = 0;
  let reportedError: string | null = null;

  const dropConnection = async () => {
    const c = conn;
    conn = null;
    linkUp = false;
    status.connected = false;
    // Closing discards whatever the client still buffers: nothing stale goes out later.
    if (c) await c.nc.close().catch(() => {});
  };

  const openConnection = async () => {
    const c = await connectRelay(url, target);
    conn = c;
    linkUp = true;
    streamChecked = true;
    status.connected = true;
    void (async () => {
      for await (const s of c.nc.status()) {
        if (conn !== c) return;
        if (s.type === "disconnect") {
          linkUp = false;
          status.connected = false;
        } else if (s.type === "reconnect") {
          linkUp = true;
          streamChecked = false;
          status.connected = true;
        }
      }
    })().catch(() => {});
  };

  const fail = (err: unknown) => {
    const now = new Date();
    status.lastError = (err as Error).message || String(err);
    status.lastErrorAt = now;
    status.failingSince ??= now;
    streamChecked = false;
  };

  const report = (): RelayReport => ({
    connected: status.connected,
    backlog: status.backlog,
    lastPublishedAt: status.lastPublishedAt?.toISOString() ?? null,
    lastLagMs: status.lastLagMs,
    failingSince: status.failingSince?.toISOString() ?? null,
    publishedTotal: status.publishedTotal,
  });

  const letGo = async () => {
    const l = lease;
    lease = null;
    status.holding = false;
    await dropConnection();
    if (l) await releaseLease(db, l, { result: { ...report() }, error: status.lastError }).catch(() => {});
  };

  const loop = async () => {
    while (running) {
      let pause = idleMs;
      try {
        if (!lease) {
          lease = await acquireLease(db, RELAY_JOB, holder, leaseMs);
          if (lease) {
            heldSince = Date.now();
            lastReportAt = 0;
            status.holding = true;
            // An outage that began under another holder keeps its start.
            const [row] = await db.select().from(jobLeases).where(eq(jobLeases.name, RELAY_JOB));
            const since = row?.lastError
              ? (row.lastResult as Partial<RelayReport> | null)?.failingSince
              : null;
            if (since && !status.failingSince) status.failingSince = new Date(since);
          }
        }
        if (!lease) {
          status.holding = false;
          pause = Math.max(idleMs, leaseMs / 3);
        } else {
          if (!conn) await openConnection();
          else if (!linkUp) throw new Error(`NATS unreachable at ${natsLocation(url)} (reconnecting)`);
          else if (!streamChecked) {
            await ensureStream(conn!.nc, target);
            streamChecked = true;
          }
          const result = await relayBatch(db, conn!.js, {
            target,
            limit: options.batchSize,
            deadline: new Date(lease.until.getTime() - Math.min(2_000, leaseMs / 4)),
            beforeMark: options.beforeMark,
          });
          options.onBatch?.(result);
          status.backlog = result.remaining;
          if (result.published > 0) {
            status.lastPublishedAt = new Date();
            status.lastLagMs = result.maxLagMs;
            status.publishedTotal += result.published;
          }
          if (result.error) {
            fail(new Error(result.error));
            pause = retryMs;
          } else {
            status.lastError = null;
            status.failingSince = null;
            if (result.published > 0 && result.remaining > 0) pause = 0;
          }
        }
      } catch (err) {
        fail(err);
        if (conn?.nc.isClosed()) await dropConnection();
        pause = retryMs;
      }
      try {
        if (lease) {
          const now = Date.now();
          const errorChanged = (status.lastError === null) !== (reportedError === null);
          const due =
            errorChanged ||
            now - lastReportAt >= reportEveryMs ||
            lease.until.getTime() - now < (leaseMs * 2) / 3;
          if (due) {
            if (!conn) status.connected = false;
            // While it fails no batch says how many wait: count them for the report.
            if (status.lastError) status.backlog = await outboxBacklog(db, BACKLOG_COUNT_CAP);
            const kept = await heartbeat(db, lease, leaseMs, report(), status.lastError);
            lastReportAt = now;
            reportedError = status.lastError;
            if (!kept) {
              // Taken over (we were too slow to renew): stop publishing, drop what is buffered.
              lease = null;
              status.holding = false;
              await dropConnection();
            }
          }
          if (
            lease &&
            status.failingSince &&
            now - status.failingSince.getTime() >= handoverAfterMs &&
            now - heldSince >= handoverAfterMs
          ) {
            await letGo();
            pause = Math.max(pause, leaseMs / 3);
          }
        }
      } catch (err) {
        fail(err);
        pause = retryMs;
      }
      if (running && pause > 0) await sleep(pause, waker);
    }
    await letGo();
  };

  const done = loop();
  return {
    status,
    stop: async () => {
      running = false;
      waker.wake?.();
      await done;
    },
  };
}
