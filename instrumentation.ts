export async function register() {
  // Open, migrate and seed at server start, not on the first request; never during
  // `next build`, which must not take the embedded database's lock.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { getDatabase } = await import("./db/runtime");
  const handle = await getDatabase();
  // Paydesk's server (npm start) answers the provider webhooks itself, ahead of Next's pipeline.
  const { registerWebhookRoutes } = await import("./lib/webhooks/routes");
  registerWebhookRoutes();
  // The relay, outbound deliveries, the user.deleted consumer and the schedule run in every
  // instance unless PAYDESK_BACKGROUND=0 (then `npm run worker` runs them apart).
  if (process.env.PAYDESK_BACKGROUND === "0") return;
  const { startBackgroundWork } = await import("./lib/jobs/background");
  startBackgroundWork(handle.db);
}
