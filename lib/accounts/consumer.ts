import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Db } from "@/db/client";
import { processGlobal } from "../process-global";
import { type ConsumedMessage, USER_DELETED_SUBJECT } from "./message";
import { parkFailedMessage } from "./park";
import { handleUserDeleted, type UserDeletedResult } from "./user-deleted";

/** Where `user.deleted` comes from; tests pass names of their own so runs never share them. */
export interface UserDeletedConsumerConfig {
  /** The subject the accounts system publishes to. */
  subject: string;
  /** The stream Paydesk creates when no stream covers `subject` yet. */
  stream: string;
  streamSubjects: string[];
  /** The durable pull consumer: its position survives restarts, and instances share it. */
  durable: string;
}

export const DEFAULT_USER_DELETED_CONFIG: UserDeletedConsumerConfig = {
  subject: USER_DELETED_SUBJECT,
  stream: "ACCOUNTS",
  streamSubjects: ["accounts.>"],
  durable: "paydesk-user-deleted",
};

/** After this many failed deliveries a message is parked with its last error instead of redelivered. */
export const MAX_DELIVERIES = 10;
/** A duplicate publish (same Nats-Msg-Id) within this window is dropped by the stream itself. */
const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;
const ACK_WAIT_NS = 60 * 1_000_000_000;

/** How long a failed message waits before its next delivery: 1 s, 2 s, 4 s, … at most a minute. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, deliveryCount - 1));
}

/**
 * Makes sure a stream covers the subject (the accounts system may own one already; otherwise
 * Paydesk creates its own, on file storage) and that the durable consumer exists on it, filtered
 * to the subject, with explicit acks. Returns the stream's name. Redeliveries are unlimited at
 * the server: the consumer parks a message itself after MAX_DELIVERIES, once it could record it.
 */
export async function ensureUserDeletedConsumer(
  nc: NatsConnection,
  config: UserDeletedConsumerConfig = DEFAULT_USER_DELETED_CONFIG,
): Promise<string> {
  const jsm = await jetstreamManager(nc);
  let stream: string;
  try {
    stream = await jsm.streams.find(config.subject);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add({
      name: config.stream,
      subjects: config.streamSubjects,
      storage: StorageType.File,
      duplicate_window: DUPLICATE_WINDOW_NS,
    });
    stream = config.stream;
  }
  try {
    await jsm.consumers.info(stream, config.durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(stream, {
      durable_name: config.durable,
      filter_subject: config.subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ACK_WAIT_NS,
      max_deliver: -1,
    });
  }
  return stream;
}

/** The message id Paydesk keys a message by: the publisher's `Nats-Msg-Id`, else its place in the stream. */
export function messageIdOf(m: Pick<JsMsg, "headers" | "info">): string {
  const header = m.headers?.get("Nats-Msg-Id")?.trim();
  return header ? header : `${m.info.stream}:${m.info.streamSequence}`;
}

export type MessageOutcome = UserDeletedResult["outcome"] | "retry";

/**
 * Handles one delivery: the transaction commits, then the message is acked. A failure that is
 * not about the message (the database is down) is nak'ed with a growing delay; on the last
 * allowed delivery it is parked with the error, so it stops blocking nobody and a person sees it.
 */
export async function handleDelivery(db: Db, m: JsMsg): Promise<{ outcome: MessageOutcome; error?: string }> {
  const message: ConsumedMessage = {
    subject: m.subject,
    messageId: messageIdOf(m),
    streamSeq: m.info.streamSequence,
    body: m.data,
  };
  try {
    const result = await handleUserDeleted(db, message);
    await ack(m);
    return { outcome: result.outcome };
  } catch (err) {
    const error = (err as Error).message;
    const deliveries = m.info.deliveryCount;
    if (deliveries >= MAX_DELIVERIES) {
      try {
        await parkFailedMessage(db, message, `Failed ${deliveries} times; last error: ${error}`);
        await ack(m);
        return { outcome: "parked", error };
      } catch {
        // Cannot even record it: keep it in the stream for later.
      }
    }
    m.nak(retryDelayMs(deliveries));
    return { outcome: "retry", error };
  }
}

/** Acks and waits for the server to confirm; a lost ack only means one harmless redelivery. */
async function ack(m: JsMsg): Promise<void> {
  await m.ackAck().catch(() => false);
}

export interface BatchReport {
  fetched: number;
  processed: number;
  parked: number;
  duplicates: number;
  retried: number;
  lastError: string | null;
}

/** Fetches up to `max` messages (waiting at most `expiresMs` for them) and handles each in order. */
export async function processUserDeletedBatch(
  db: Db,
  js: JetStreamClient,
  target: { stream: string; durable: string },
  options: { max?: number; expiresMs?: number; onMessage?: (outcome: MessageOutcome) => void } = {},
): Promise<BatchReport> {
  const consumer = await js.consumers.get(target.stream, target.durable);
  const messages = await consumer.fetch({
    max_messages: options.max ?? 50,
    expires: Math.max(1_000, options.expiresMs ?? 5_000),
  });
  const report: BatchReport = {
    fetched: 0,
    processed: 0,
    parked: 0,
    duplicates: 0,
    retried: 0,
    lastError: null,
  };
  for await (const m of messages) {
    report.fetched++;
    const { outcome, error } = await handleDelivery(db, m);
    if (outcome === "processed") report.processed++;
    else if (outcome === "parked") report.parked++;
    else if (outcome === "duplicate") report.duplicates++;
    else report.retried++;
    if (error) report.lastError = error;
    options.onMessage?.(outcome);
  }
  return report;
}

export interface UserDeletedConsumerStatus {
  enabled: boolean;
  connected: boolean;
  stream: string | null;
  lastMessageAt: Date | null;
  processed: number;
  parked: number;
  duplicates: number;
  retried: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

function emptyStatus(): UserDeletedConsumerStatus {
  return {
    enabled: false,
    connected: false,
    stream: null,
    lastMessageAt: null,
    processed: 0,
    parked: 0,
    duplicates: 0,
    retried: 0,
    lastError: null,
    lastErrorAt: null,
  };
}

/**
 * The status of this process's consumer (default config), for the health route. On globalThis:
 * Next bundles instrumentation (which runs the consumer) and route handlers separately.
 */
export const userDeletedConsumerStatus = processGlobal("userDeletedStatus", emptyStatus);

export interface RunningConsumer {
  status: UserDeletedConsumerStatus;
  stop(): Promise<void>;
}

const running = new Map<string, RunningConsumer>();

/**
 * Consumes `user.deleted` for as long as the process runs: connects (and reconnects: the
 * client retries forever), ensures the stream and the consumer, and handles batches. A broker
 * outage or a database error shows in the status and is retried after a pause; it never ends
 * the loop. Every instance may run it: the durable consumer hands each message to one of them.
 * Without a URL nothing starts (messages wait in the stream). One loop per durable per process.
 */
export function startUserDeletedConsumer(
  db: Db,
  url: string | undefined = process.env.NATS_URL,
  config: UserDeletedConsumerConfig = DEFAULT_USER_DELETED_CONFIG,
  options: { pauseMs?: number; expiresMs?: number } = {},
): RunningConsumer | null {
  if (!url) return null;
  const existing = running.get(config.durable);
  if (existing) return existing;
  const status = config === DEFAULT_USER_DELETED_CONFIG ? userDeletedConsumerStatus : emptyStatus();
  status.enabled = true;
  let stopped = false;
  let nc: NatsConnection | null = null;
  const pauseMs = options.pauseMs ?? 2_000;

  const loop = async () => {
    let stream: string | null = null;
    while (!stopped) {
      try {
        if (!nc) {
          nc = await connect({
            servers: url,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 1_000,
            name: "paydesk-user-deleted",
          });
          followConnection(nc, status);
        }
        if (!stream) {
          stream = await ensureUserDeletedConsumer(nc, config);
          status.stream = stream;
          // The broker just answered; from here on followConnection tracks outages and reconnects.
          status.connected = true;
        }
        const report = await processUserDeletedBatch(
          db,
          jetstream(nc, { timeout: 5_000 }),
          { stream, durable: config.durable },
          { expiresMs: options.expiresMs ?? 5_000 },
        );
        if (report.fetched > 0) status.lastMessageAt = new Date();
        status.processed += report.processed;
        status.parked += report.parked;
        status.duplicates += report.duplicates;
        status.retried += report.retried;
        if (report.lastError) {
          status.lastError = report.lastError;
          status.lastErrorAt = new Date();
        }
      } catch (err) {
        if (stopped) break;
        status.lastError = (err as Error).message;
        status.lastErrorAt = new Date();
        if (nc?.isClosed()) status.connected = false;
        // The stream or consumer may have been deleted: ensure them again next time.
        stream = null;
        if (nc?.isClosed()) nc = null;
        await new Promise((r) => setTimeout(r, pauseMs).unref());
      }
    }
  };
  const done = loop();
  const handle: RunningConsumer = {
    status,
    async stop() {
      stopped = true;
      running.delete(config.durable);
      // Closing the connection ends a fetch that is waiting for messages.
      await nc?.close().catch(() => {});
      await done;
      status.connected = false;
    },
  };
  running.set(config.durable, handle);
  return handle;
}

/** Keeps `connected` true to the broker's state between batches (outages, reconnects). */
function followConnection(nc: NatsConnection, status: UserDeletedConsumerStatus): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "close") status.connected = false;
      if (s.type === "reconnect") status.connected = true;
    }
  })().catch(() => {});
}
