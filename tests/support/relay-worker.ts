/**
 * One "app instance" running the outbox relay loop (runRelayLoop, as startRelay runs it) for the
 * multi-process relay tests (tests/integration/relay-*.test.ts). Run with
 * `node --import tsx tests/support/relay-worker.ts` (so that its pid is the worker itself, for
 * kill -9) against PostgreSQL.
 *
 * DATABASE_URL, NATS_URL     where it reads events and publishes them.
 * RELAY_STREAM, RELAY_PREFIX the test's own stream and subject prefix (StreamTarget).
 * WORKER_HOLDER              its lease holder name (default worker:<pid>).
 * RELAY_LEASE_MS             the `relay` lease's TTL (short, so a killed holder is replaced fast).
 * RELAY_BATCH                events per batch.
 * RELAY_HANG_BEFORE_MARK=1   after JetStream acked a batch, print {event:"acked", ids} and hang
 *                            before marking it published (the test kills it there).
 * RELAY_MARK_DELAY_MS        after each ack, wait this long before marking (a window to kill in).
 *
 * Prints one JSON line per happening: ready, lease (holding or not), batch {published,
 * remaining, error}, acked, stopped. SIGTERM stops the loop (lease released) and exits 0.
 */
import { openDatabase } from "@/db/client";
import { runRelayLoop } from "@/lib/events/relay";

const holder = process.env.WORKER_HOLDER ?? `worker:${process.pid}`;
const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

function line(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ holder, pid: process.pid, at: Date.now(), ...event })}\n`);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const natsUrl = process.env.NATS_URL;
  const stream = process.env.RELAY_STREAM;
  const prefix = process.env.RELAY_PREFIX;
  if (!url || !natsUrl || !stream || !prefix) {
    throw new Error("relay-worker: DATABASE_URL, NATS_URL, RELAY_STREAM and RELAY_PREFIX are required");
  }
  const handle = await openDatabase({ url, max: 3 });
  const hang = process.env.RELAY_HANG_BEFORE_MARK === "1";
  const markDelay = num("RELAY_MARK_DELAY_MS") ?? 0;
  let holding = false;
  const relay = runRelayLoop({
    db: handle.db,
    url: natsUrl,
    target: { stream, prefix },
    holder,
    leaseMs: num("RELAY_LEASE_MS"),
    batchSize: num("RELAY_BATCH"),
    idleMs: 50,
    retryMs: 200,
    reportEveryMs: 500,
    beforeMark: async (ids) => {
      line({ event: "acked", ids });
      if (hang) await new Promise(() => {});
      if (markDelay > 0) await new Promise((r) => setTimeout(r, markDelay));
    },
    onBatch: (r) => {
      if (relay.status.holding !== holding) {
        holding = relay.status.holding;
        line({ event: "lease", holding });
      }
      if (r.published > 0 || r.error) {
        line({ event: "batch", published: r.published, remaining: r.remaining, error: r.error });
      }
    },
  });
  line({ event: "ready" });
  await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  await relay.stop();
  await handle.close();
  line({ event: "stopped", published: relay.status.publishedTotal });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    line({ event: "error", message: (err as Error).message });
    process.exit(1);
  },
);
