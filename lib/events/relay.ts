import { type JetStreamClient, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { and, asc, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type DomainEvent, domainEvents } from "@/db/schema";
import { eventMessage } from "./envelope";

/** The stream every domain event goes to (ARCHITECTURE §2: `paydesk.<event type>`). */
export const STREAM = "PAYDESK";
export const SUBJECT_PREFIX = "paydesk.";
/** JetStream drops a second publish with the same Nats-Msg-Id within this window. */
export const DUPLICATE_WINDOW_MS = 5 * 60_000;
const BATCH = 500;


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
  /** Seconds from the oldest published event's commit to its ack. */
  maxLagMs: number;
}

/**
 * Publishes the oldest unpublished events once: each aggregate's events one after another in
 * their sequence (awaiting each ack), different aggregates side by side. An event is marked
 * published only after JetStream acknowledged it; an aggregate stops at its first failure, so
 * nothing of it is published out of order, and the rest is retried on the next batch. A crash
 * between the ack and the mark republishes the same Nats-Msg-Id, which JetStream drops.
 * One relay runs at a time (the caller holds the `relay` lease), so order holds across instances.
 */
export async function relayBatch(
  db: Db,
  js: JetStreamClient,
  options: { limit?: number; target?: StreamTarget } = {},
): Promise<RelayBatchResult> {
  const limit = options.limit ?? BATCH;
  const prefix = (options.target ?? DEFAULT_TARGET).prefix;
  const rows = await db
    .select()
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt))
    .orderBy(asc(domainEvents.position))
    .limit(limit);
  const byAggregate = new Map<string, DomainEvent[]>();
  for (const row of rows) {
    const key = `${row.aggregateType}:${row.aggregateId}`;
    const list = byAggregate.get(key);
    if (list) list.push(row);
    else byAggregate.set(key, [row]);
  }
  const acked: { id: string; occurredAt: Date }[] = [];
  let failure: Error | null = null;
  await Promise.all(
    [...byAggregate.values()].map(async (events) => {
      for (const e of events.sort((a, b) => a.aggregateSeq - b.aggregateSeq)) {
        try {
          const h = natsHeaders();
          h.set("Nats-Msg-Id", e.id);
          await js.publish(`${prefix}${e.type}`, JSON.stringify(eventMessage(e)), {
            msgID: e.id,
            headers: h,
          });
          acked.push({ id: e.id, occurredAt: e.occurredAt });
        } catch (err) {
          failure ??= err as Error;
          return; // the rest of this aggregate waits for the next batch, in order
        }
      }
    }),
  );
  const now = new Date();
  for (let i = 0; i < acked.length; i += 1000) {
    await db
      .update(domainEvents)
      .set({ publishedAt: now })
      .where(
        and(
          inArray(
            domainEvents.id,
            acked.slice(i, i + 1000).map((a) => a.id),
          ),
          isNull(domainEvents.publishedAt),
        ),
      );
  }
  const [left] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt));
  if (failure && acked.length === 0) throw failure;
  return {
    published: acked.length,
    remaining: left?.n ?? 0,
    maxLagMs: acked.reduce((m, a) => Math.max(m, now.getTime() - a.occurredAt.getTime()), 0),
  };
}

export interface RelayStatus {
  enabled: boolean;
  connected: boolean;
  backlog: number | null;
  lastPublishedAt: Date | null;
  lastLagMs: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export const relayStatus: RelayStatus = {
  enabled: false,
  connected: false,
  backlog: null,
  lastPublishedAt: null,
  lastLagMs: null,
  lastError: null,
  lastErrorAt: null,
};

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
  });
  await ensureStream(nc, target);
  return { nc, js: jetstream(nc, { timeout: 5_000 }) };
}

/** Unpublished events (for the health route and the overview). */
export async function outboxBacklog(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(domainEvents)
    .where(isNull(domainEvents.publishedAt));
  return row?.n ?? 0;
}
