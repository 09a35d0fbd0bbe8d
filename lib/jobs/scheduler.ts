import { hostname } from "node:os";
import type { Db } from "@/db/client";
import { runApprovalExpiryJob } from "../approvals/expire";
import { type RelayLoop, runRelayLoop } from "../events/relay";
import { componentLogger } from "../log";
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
      componentLogger("scheduler").error({ err, job: "expire" }, "job failed");
    }
    try {
      await runReconcileJob(db);
    } catch (err) {
      componentLogger("scheduler").error({ err, job: "reconcile" }, "job failed");
    }
    try {
      await runApprovalExpiryJob(db, INSTANCE_ID);
    } catch (err) {
      componentLogger("scheduler").error({ err, job: "approval-expiry" }, "job failed");
    }
    timer = setTimeout(tick, intervalMs());
    timer.unref();
  };
  timer = setTimeout(tick, intervalMs());
  timer.unref();
}

export { RELAY_JOB } from "../events/relay";

let relay: RelayLoop | null = null;

/**
 * The outbox relay (lib/events/relay.ts, runRelayLoop) when NATS_URL is set: every instance
 * runs the loop; the `relay` lease lets one publish at a time (so one aggregate's events reach
 * the stream in order), and another takes over within 15 s if it dies. Broker outages and the
 * backlog show in relayStatus (this instance) and on the lease row (every instance: the health
 * route, the overview).
 */
export function startRelay(db: Db, url: string | undefined = process.env.NATS_URL): RelayLoop | null {
  if (!url) return null;
  relay ??= runRelayLoop({ db, url, holder: `${INSTANCE_ID}:relay` });
  return relay;
}

/** Stops this instance's relay loop (lets the lease go at once). */
export async function stopRelay(): Promise<void> {
  const r = relay;
  relay = null;
  await r?.stop();
}
