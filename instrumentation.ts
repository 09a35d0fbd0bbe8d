export async function register() {
  // Open, migrate and seed at server start, not on the first request; never during
  // `next build`, which must not take the embedded database's lock.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { getDatabase } = await import("./db/runtime");
  const handle = await getDatabase();
  // Reconciliation runs in every instance; a database lease lets one at a time work.
  const { startRelay, startScheduler } = await import("./lib/jobs/scheduler");
  startScheduler(handle.db);
  // Domain events to NATS JetStream when NATS_URL is set; otherwise they wait in the outbox.
  startRelay(handle.db);
}
