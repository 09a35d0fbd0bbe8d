import { hostname } from "node:os";
import type { Db } from "@/db/client";
import { connectRelay, relayBatch, relayStatus } from "../events/relay";
import { expireSubscriptions } from "./expire";
import { acquireLease, releaseLease, renewLease } from "./lease";
import { reconcile } from "./reconcile";

export const RECONCILE_JOB = "reconcile";
const DEFAULT_INTERVAL_MS = 60_000;
/**
 * Longer than one payment's sync can take (a few provider calls with timeouts); renewed after
 * each payment, so a holder killed mid-run blocks the job for at most this long.
 */
const LEASE_TTL_MS = 2 * 60_000;

function intervalMs(): number {
  const raw = Number.parseInt(process.env.RECONCILE_INTERVAL_MS ?? "", 10);
  return Number.isFinite(raw) && raw >= 1_000 ? raw : DEFAULT_INTERVAL_MS;
}

/** Unique per process: two instances on one host never share a lease. */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

/**
 * Runs one reconciliation if this instance can take the job's lease; returns null when another
 * instance holds it. Used by the in-process schedule and by tests with several processes.
 */
export async function runReconcileJob(db: Db, holder: string = INSTANCE_ID) {
  const lease = await acquireLease(db, RECONCILE_JOB, holder, LEASE_TTL_MS);
  if (!lease) return null;
  try {
    const report = await reconcile(db, { heartbeat: () => renewLease(db, lease, LEASE_TTL_MS) });
    await releaseLease(db, lease, {
      result: { checked: report.checked, changed: report.changed, errors: report.errors },
    });
    return report;
  } catch (err) {
    await releaseLease(db, lease, { error: (err as Error).message }).catch(() => {});
    throw err;
  }
}

export const EXPIRE_JOB = "expire";

/** Ends subscriptions whose period has passed (lib/jobs/expire.ts), one instance at a time. */
export async function runExpireJob(db: Db, holder: string = INSTANCE_ID) {
  const lease = await acquireLease(db, EXPIRE_JOB, holder, LEASE_TTL_MS);
  if (!lease) return null;
  try {
    const result = await expireSubscriptions(db);
    await releaseLease(db, lease, { result: { expired: result.expired } });
    return result;
  } catch (err) {
    await releaseLease(db, lease, { error: (err as Error).message }).catch(() => {});
    throw err;
  }
}

let timer: NodeJS.Timeout | null = null;

/**
 * The in-process schedule (every RECONCILE_INTERVAL_MS, default a minute): expiry of ended
 * subscriptions, then reconciliation. Every instance runs it; a lease per job lets one of them
 * work at a time. `RECONCILE_INTERVAL_MS=0` turns it off.
 */
export function startScheduler(db: Db): void {
  if (timer || process.env.RECONCILE_INTERVAL_MS === "0") return;
  const tick = async () => {
    try {
      await runExpireJob(db);
    } catch (err) {
      console.error(`expire: ${(err as Error).message}`);
    }
    try {
      await runReconcileJob(db);
    } catch (err) {
      console.error(`reconcile: ${(err as Error).message}`);
    }
    timer = setTimeout(tick, intervalMs());
    timer.unref();
  };
  timer = setTimeout(tick, intervalMs());
  timer.unref();
}

export const RELAY_JOB = "relay";
/** A relay that stops renewing (killed) hands over to another instance after this long. */
const RELAY_LEASE_MS = 15_000;
const RELAY_IDLE_MS = 250;
let relayRunning = false;

/**
 * The outbox relay (lib/events/relay.ts) when NATS_URL is set: every instance runs this loop;
 * the `relay` lease lets one publish at a time (so one aggregate's events reach the stream in
 * order), and another takes over within RELAY_LEASE_MS if it dies. Broker outages and the
 * backlog show in relayStatus (the health route, the overview).
 */
export function startRelay(db: Db, url: string | undefined = process.env.NATS_URL): void {
  if (!url || relayRunning) return;
  relayRunning = true;
  relayStatus.enabled = true;
  const holder = `${INSTANCE_ID}:relay`;
  const loop = async () => {
    let conn: Awaited<ReturnType<typeof connectRelay>> | null = null;
    while (relayRunning) {
      let pause = RELAY_IDLE_MS;
      try {
        conn ??= await connectRelay(url);
        relayStatus.connected = !conn.nc.isClosed();
        const lease = await acquireLease(db, RELAY_JOB, holder, RELAY_LEASE_MS);
        if (!lease) {
          pause = RELAY_LEASE_MS / 3;
        } else {
          const result = await relayBatch(db, conn.js);
          relayStatus.backlog = result.remaining;
          if (result.published > 0) {
            relayStatus.lastPublishedAt = new Date();
            relayStatus.lastLagMs = result.maxLagMs;
          }
          relayStatus.lastError = null;
          if (result.published > 0 && result.remaining > 0) pause = 0;
        }
      } catch (err) {
        relayStatus.lastError = (err as Error).message;
        relayStatus.lastErrorAt = new Date();
        relayStatus.connected = Boolean(conn && !conn.nc.isClosed());
        if (conn?.nc.isClosed()) conn = null;
        pause = 2_000;
      }
      if (pause > 0) await new Promise((r) => setTimeout(r, pause).unref());
    }
    await conn?.nc.close().catch(() => {});
  };
  void loop();
}
