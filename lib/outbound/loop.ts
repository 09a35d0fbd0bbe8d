import { and, eq, gte, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { domainEvents, webhookDeliveries } from "@/db/schema";
import { processGlobal } from "../process-global";
import {
  type AttemptOutcome,
  attemptDelivery,
  CLAIM_MARGIN_MS,
  claimDueDeliveries,
  type DeliveryOptions,
} from "./deliver";
import { fanOutEvents } from "./fan-out";
import { attemptTimeoutMs } from "./send";

export interface OutboundOptions extends DeliveryOptions {
  /** Events fanned out per run. */
  fanOutLimit?: number;
  /** Deliveries attempted per run, side by side. */
  deliveryLimit?: number;
}

export interface OutboundRunResult {
  /** Events fanned out to endpoints. */
  dispatched: number;
  /** Deliveries those events created. */
  created: number;
  /** Attempts made, and what came of them. */
  attempted: number;
  succeeded: number;
  /** Failed attempts with a retry scheduled. */
  retrying: number;
  /** Deliveries whose schedule ran out (now `failed`). */
  failed: number;
  /** Deliveries whose endpoint answered 410 (now disabled). */
  gone: number;
}

const FAN_OUT_LIMIT = 500;
const DELIVERY_LIMIT = 16;

/**
 * One pass: fan new events out to endpoints, then attempt one batch of due deliveries. Safe to
 * run in any number of instances at once (SKIP LOCKED claims, see fan-out.ts and deliver.ts).
 */
export async function runOutboundOnce(db: Db, options: OutboundOptions = {}): Promise<OutboundRunResult> {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? attemptTimeoutMs();
  const fan = await fanOutEvents(db, { at: now(), limit: options.fanOutLimit ?? FAN_OUT_LIMIT });
  const claims = await claimDueDeliveries(
    db,
    now(),
    options.deliveryLimit ?? DELIVERY_LIMIT,
    timeoutMs + CLAIM_MARGIN_MS,
  );
  const settled = await Promise.allSettled(
    claims.map((claim) => attemptDelivery(db, claim, { ...options, now, timeoutMs })),
  );
  const outcomes: AttemptOutcome[] = [];
  let error: unknown = null;
  for (const s of settled) {
    if (s.status === "fulfilled") outcomes.push(s.value);
    else error ??= s.reason;
  }
  const count = (o: AttemptOutcome) => outcomes.filter((x) => x === o).length;
  const result: OutboundRunResult = {
    dispatched: fan.events,
    created: fan.deliveries,
    attempted: outcomes.length,
    succeeded: count("succeeded"),
    retrying: count("pending"),
    failed: count("failed"),
    gone: count("gone"),
  };
  recordRun(result);
  // An attempt that could not be recorded stays claimed and is taken again once its hold ends.
  if (error) throw error;
  return result;
}

export interface OutboundStatus {
  running: boolean;
  lastRunAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Deliveries waiting for an attempt (due or scheduled), refreshed every few seconds. */
  pending: number | null;
  /** Since this process started. */
  delivered: number;
  failedAttempts: number;
  failedDeliveries: number;
}

/** What /api/health can show about outbound webhooks in this instance (one per process). */
export const outboundStatus: OutboundStatus = processGlobal("outboundStatus", () => ({
  running: false,
  lastRunAt: null,
  lastError: null,
  lastErrorAt: null,
  pending: null,
  delivered: 0,
  failedAttempts: 0,
  failedDeliveries: 0,
}));

function recordRun(result: OutboundRunResult): void {
  outboundStatus.lastRunAt = new Date();
  outboundStatus.delivered += result.succeeded;
  outboundStatus.failedAttempts += result.attempted - result.succeeded;
  outboundStatus.failedDeliveries += result.failed + result.gone;
}

/** Backlog figures from the database (any instance's work): for the health route and metrics. */
export async function outboundBacklog(db: Db, now: Date = new Date()) {
  const [counts] = await db
    .select({
      pending: sql<number>`count(*) filter (where ${webhookDeliveries.status} = 'pending')::int`,
      // lte() binds `now` through the column's mapping; a bare Date in sql`` breaks postgres.js.
      due: sql<number>`count(*) filter (where ${webhookDeliveries.status} = 'pending' and ${lte(webhookDeliveries.nextAttemptAt, now)})::int`,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, "pending"));
  const [failed] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.status, "failed"),
        gte(webhookDeliveries.lastAttemptAt, new Date(now.getTime() - 86_400_000)),
      ),
    );
  const [undispatched] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(domainEvents)
    .where(isNull(domainEvents.dispatchedAt));
  return {
    pending: counts?.pending ?? 0,
    due: counts?.due ?? 0,
    failedLast24h: failed?.n ?? 0,
    undispatchedEvents: undispatched?.n ?? 0,
  };
}

const DEFAULT_INTERVAL_MS = 500;
const ERROR_PAUSE_MS = 2_000;
const PENDING_REFRESH_MS = 5_000;

function intervalMs(): number | null {
  const raw = process.env.OUTBOUND_INTERVAL_MS;
  if (raw === "0") return null;
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_INTERVAL_MS;
}

let stopCurrent: (() => Promise<void>) | null = null;

/**
 * The in-process loop: every instance may run it. It runs again at once while there is work,
 * and every OUTBOUND_INTERVAL_MS (default 500 ms) when idle; `OUTBOUND_INTERVAL_MS=0` turns
 * it off. Returns a stop function that waits for the pass in progress.
 */
export function startOutbound(db: Db, options: OutboundOptions = {}): () => Promise<void> {
  if (stopCurrent) return stopCurrent;
  const idle = intervalMs();
  if (idle === null) return async () => {};
  let running = true;
  let wake: (() => void) | null = null;
  let pendingCheckedAt = 0;
  outboundStatus.running = true;

  const loop = async () => {
    while (running) {
      let pause = idle;
      try {
        const result = await runOutboundOnce(db, options);
        outboundStatus.lastError = null;
        if (result.dispatched > 0 || result.attempted > 0) pause = 0;
        if (Date.now() - pendingCheckedAt > PENDING_REFRESH_MS) {
          pendingCheckedAt = Date.now();
          outboundStatus.pending = (await outboundBacklog(db)).pending;
        }
      } catch (err) {
        outboundStatus.lastError = (err as Error).message;
        outboundStatus.lastErrorAt = new Date();
        pause = ERROR_PAUSE_MS;
      }
      if (pause > 0 && running) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pause).unref();
        });
        wake = null;
      }
    }
  };
  const done = loop();
  const stop = async () => {
    running = false;
    (wake as (() => void) | null)?.();
    await done;
    outboundStatus.running = false;
    stopCurrent = null;
  };
  stopCurrent = stop;
  return stop;
}
