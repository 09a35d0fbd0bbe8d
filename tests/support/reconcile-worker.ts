/**
 * One "app instance" for the multi-process reconciliation tests (tests/integration/reconcile.test.ts).
 * Run with `node --import tsx tests/support/reconcile-worker.ts` (so that its pid is the worker
 * itself, for kill -9) against PostgreSQL: DATABASE_URL, STRIPE_* as the app reads them.
 *
 * WORKER_START_AT (epoch ms) makes several workers begin at the same moment.
 * WORKER_MODE=job   — calls runReconcileJob(db, holder) in a loop for WORKER_DURATION_MS and
 *                     prints one JSON line per call: {event:"run", start, end, items} or {event:"busy"}.
 * WORKER_MODE=lease — runReconcileJob's lease TTL is fixed (10 minutes), so this mode takes the
 *                     same lease with acquireLease/releaseLease and WORKER_TTL_MS: it tries every
 *                     100 ms for WORKER_DURATION_MS, prints {event:"refused"} per refusal and
 *                     {event:"acquired", token, until} when it holds the lease, runs one
 *                     reconcile(db) pass (slow when the provider is), and releases it
 *                     ({event:"released", ok}).
 */
import { openDatabase } from "@/db/client";
import { acquireLease, releaseLease } from "@/lib/jobs/lease";
import { reconcile } from "@/lib/jobs/reconcile";
import { RECONCILE_JOB, runReconcileJob } from "@/lib/jobs/scheduler";

const holder = process.env.WORKER_HOLDER ?? `worker:${process.pid}`;
const mode = process.env.WORKER_MODE ?? "job";
const durationMs = Number(process.env.WORKER_DURATION_MS ?? 2_000);
const ttlMs = Number(process.env.WORKER_TTL_MS ?? 2_000);

function line(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ holder, pid: process.pid, at: Date.now(), ...event })}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("reconcile-worker: DATABASE_URL is required");
  const handle = await openDatabase({ url, max: 2 });
  line({ event: "ready" });
  // Several workers begin together (WORKER_START_AT, epoch ms), whatever their start-up took.
  const startAt = Number(process.env.WORKER_START_AT ?? 0);
  if (startAt > Date.now()) await sleep(startAt - Date.now());
  const until = Date.now() + durationMs;
  try {
    if (mode === "job") {
      while (Date.now() < until) {
        const start = Date.now();
        const report = await runReconcileJob(handle.db, holder);
        const end = Date.now();
        if (report) {
          line({
            event: "run",
            start,
            end,
            items: report.items.map((i) => ({ paymentId: i.paymentId, outcome: i.outcome, why: i.why })),
          });
        } else {
          line({ event: "busy", start, end });
        }
        await sleep(10 + Math.floor(Math.random() * 30));
      }
    } else {
      while (Date.now() < until) {
        const lease = await acquireLease(handle.db, RECONCILE_JOB, holder, ttlMs);
        if (!lease) {
          line({ event: "refused" });
          await sleep(100);
          continue;
        }
        line({ event: "acquired", token: lease.token, until: lease.until.getTime() });
        const report = await reconcile(handle.db);
        const ok = await releaseLease(handle.db, lease, { result: { checked: report.checked } });
        line({ event: "released", ok, checked: report.checked });
        break;
      }
    }
  } finally {
    await handle.close();
  }
  line({ event: "done" });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    line({ event: "error", message: (err as Error).message });
    process.exit(1);
  },
);
