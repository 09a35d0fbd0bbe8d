import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * What this process measures as it works (as opposed to what is counted in the database at
 * scrape time, lib/metrics/database.ts). Per process: each instance is its own scrape target.
 */
export interface ProcessMetrics {
  registry: Registry;
  webhookSeconds: Histogram<"provider" | "outcome">;
  signInFailures: Counter<"reason">;
}

// A Registry of our own, never prom-client's global one, kept on globalThis: Next bundles
// route handlers separately (the webhook routes and /api/metrics would otherwise each get their
// own copy of this module, and the scrape would never see a delivery), and dev hot reload would
// register every metric twice.
const slot = globalThis as unknown as { __paydeskMetrics?: ProcessMetrics };

export function processMetrics(): ProcessMetrics {
  slot.__paydeskMetrics ??= create();
  return slot.__paydeskMetrics;
}

function create(): ProcessMetrics {
  const registry = new Registry();
  // process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_seconds, …
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    webhookSeconds: new Histogram({
      name: "paydesk_webhook_processing_seconds",
      help: "Time to answer a provider webhook delivery, from request to response, by provider and outcome.",
      labelNames: ["provider", "outcome"],
      // Stripe deliveries take milliseconds; YooKassa's ask its API first, so seconds are possible.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    signInFailures: new Counter({
      name: "paydesk_sign_in_failures_total",
      help: "Refused staff sign-ins since this process started, by reason (invalid, locked, disabled, rate_limited).",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
