import { Gauge, Registry } from "prom-client";
import type { Db } from "@/db/client";
import { paymentProviders, paymentStatuses, webhookOutcomes } from "@/db/schema/enums";
import type { Logger } from "@/lib/log";
import {
  jobRuns,
  outboundDeliveryTotals,
  outboundFailedAttempts,
  outboxState,
  paymentTotals,
  recentSignInFailures,
  webhookEventTotals,
} from "./queries";
import { processMetrics } from "./registry";

type Labels = Record<string, string>;

/**
 * A registry built for one scrape from the database's current state. Built afresh every time
 * rather than setting shared gauges: a series that disappeared (no more pending payments) is not
 * reported with a stale value, and two scrapes at once cannot mix their numbers.
 */
class ScrapeGauges {
  readonly registry = new Registry();
  private readonly gauges = new Map<string, Gauge>();

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    let gauge = this.gauges.get(name);
    if (!gauge) {
      gauge = new Gauge({ name, help, labelNames: Object.keys(labels), registers: [this.registry] });
      this.gauges.set(name, gauge);
    }
    gauge.set(labels, value);
  }
}

const WEBHOOK_EVENTS_HELP =
  "Stored provider webhook events by provider and outcome (unsettled: being applied right now).";

/** One named part of the scrape; a failed part is logged and reported as not successful. */
type Part = (db: Db, g: ScrapeGauges) => Promise<void>;

const PARTS: Record<string, Part> = {
  payments: async (db, g) => {
    const totals = new Map<string, { labels: Labels; count: number }>();
    // Every provider and status, zeros included: a success rate's denominator must not vanish
    // because nothing has failed yet.
    for (const provider of paymentProviders) {
      for (const status of paymentStatuses) {
        totals.set(`${provider}|${status}`, { labels: { provider, status }, count: 0 });
      }
    }
    const amounts = new Map<string, { labels: Labels; sum: number }>();
    for (const row of await paymentTotals(db)) {
      const byProvider = `${row.provider}|${row.status}`;
      const p = totals.get(byProvider) ?? {
        labels: { provider: row.provider, status: row.status },
        count: 0,
      };
      p.count += row.count;
      totals.set(byProvider, p);
      const byCurrency = `${row.currency}|${row.status}`;
      const a = amounts.get(byCurrency) ?? { labels: { currency: row.currency, status: row.status }, sum: 0 };
      // Minor units as a float: exact up to 2^53 (90 trillion roubles), which is plenty.
      a.sum += Number(row.amountMinor);
      amounts.set(byCurrency, a);
    }
    for (const { labels, count } of totals.values()) {
      g.set("paydesk_payments", "Payments by provider and current status.", count, labels);
    }
    for (const { labels, sum } of amounts.values()) {
      g.set(
        "paydesk_payments_amount_minor",
        "Sum of payment amounts in minor units (kopecks, cents) by currency and current status.",
        sum,
        labels,
      );
    }
  },

  webhook_events: async (db, g) => {
    for (const provider of ["stripe", "yookassa"]) {
      for (const outcome of webhookOutcomes) {
        g.set("paydesk_webhook_events", WEBHOOK_EVENTS_HELP, 0, { provider, outcome });
      }
    }
    for (const row of await webhookEventTotals(db)) {
      g.set("paydesk_webhook_events", WEBHOOK_EVENTS_HELP, row.count, {
        provider: row.provider,
        outcome: row.outcome ?? "unsettled",
      });
    }
  },

  outbox: async (db, g) => {
    const state = await outboxState(db);
    g.set("paydesk_outbox_backlog", "Domain events not yet published to NATS JetStream.", state.backlog);
    g.set(
      "paydesk_relay_lag_seconds",
      "Age of the oldest unpublished domain event (0 when the outbox is empty).",
      state.oldestAgeSeconds,
    );
  },

  outbound_deliveries: async (db, g) => {
    const help = "Outbound webhook deliveries by status (pending, succeeded, failed).";
    for (const status of ["pending", "succeeded", "failed"])
      g.set("paydesk_outbound_deliveries", help, 0, { status });
    for (const row of await outboundDeliveryTotals(db)) {
      g.set("paydesk_outbound_deliveries", help, row.count, { status: row.status });
    }
  },

  outbound_failures: async (db, g) => {
    g.set(
      "paydesk_outbound_delivery_failures",
      "Outbound webhook attempts that got no 2xx answer (error status, timeout, refused), ever.",
      await outboundFailedAttempts(db),
    );
  },

  jobs: async (db, g) => {
    for (const job of await jobRuns(db)) {
      const labels = { job: job.name };
      if (job.lastStartedAt) {
        g.set(
          "paydesk_job_last_started_timestamp_seconds",
          "When a scheduled job last started (any instance).",
          seconds(job.lastStartedAt),
          labels,
        );
      }
      if (job.lastFinishedAt) {
        g.set(
          "paydesk_job_last_finished_timestamp_seconds",
          "When a scheduled job last finished (any instance).",
          seconds(job.lastFinishedAt),
          labels,
        );
        g.set(
          "paydesk_job_last_run_failed",
          "1 when the job's last run ended with an error.",
          job.lastError ? 1 : 0,
          labels,
        );
      }
      if (job.name === "reconcile" && job.lastFinishedAt) {
        reconcileResult(g, job.lastFinishedAt, job.lastResult);
      }
      if (job.name === "relay") relayReport(g, job.lastResult);
    }
  },

  sign_in_failures: async (db, g) => {
    g.set(
      "paydesk_sign_in_failures_last_hour",
      "Failed staff sign-ins audited in the last hour, across all instances.",
      await recentSignInFailures(db),
    );
  },
};

function reconcileResult(g: ScrapeGauges, finishedAt: Date, result: Record<string, unknown> | null): void {
  g.set(
    "paydesk_reconcile_last_run_timestamp_seconds",
    "When reconciliation with the providers last finished.",
    seconds(finishedAt),
  );
  const counts = {
    checked: "Payments the last reconciliation asked the provider about.",
    changed: "Payments the last reconciliation changed to match the provider.",
    errors: "Payments the last reconciliation could not settle (see the review list).",
  } as const;
  for (const [key, help] of Object.entries(counts)) {
    const value = result?.[key];
    if (typeof value === "number") g.set(`paydesk_reconcile_${key}`, help, value);
  }
}

/**
 * What the relay's lease holder last wrote on the `relay` row (lib/events/relay.ts RelayReport,
 * every few seconds): the relay's state whichever instance runs it. Its age is
 * `paydesk_job_last_finished_timestamp_seconds{job="relay"}`. Read field by field: a report
 * from an older version that lacks one simply leaves that metric out.
 */
function relayReport(g: ScrapeGauges, report: Record<string, unknown> | null): void {
  if (!report) return;
  if (typeof report.connected === "boolean") {
    g.set(
      "paydesk_relay_connected",
      "1 while the relaying instance is connected to NATS (its last report).",
      report.connected ? 1 : 0,
    );
  }
  if (typeof report.lastLagMs === "number") {
    g.set(
      "paydesk_relay_last_publish_lag_seconds",
      "Occurrence-to-ack time of the slowest event in the relay's last published batch.",
      report.lastLagMs / 1000,
    );
  }
  const failingSince = typeof report.failingSince === "string" ? Date.parse(report.failingSince) : Number.NaN;
  g.set(
    "paydesk_relay_failing_since_timestamp_seconds",
    "Since when publishing has failed without a success in between; 0 while it works.",
    Number.isFinite(failingSince) ? failingSince / 1000 : 0,
  );
}

function seconds(at: Date): number {
  return at.getTime() / 1000;
}

/**
 * The whole exposition for one scrape: this process's own metrics (default Node metrics, the
 * webhook histogram, the sign-in counter) and the database's current state. A query that fails
 * leaves out its metrics, sets `paydesk_scrape_query_success{query}` to 0 and is logged; the
 * rest is still reported.
 */
export async function scrape(db: Db | null, log: Logger): Promise<{ body: string; contentType: string }> {
  const started = performance.now();
  const g = new ScrapeGauges();
  const names = Object.keys(PARTS);
  const results = db
    ? await Promise.allSettled(names.map((name) => PARTS[name]!(db, g)))
    : names.map(() => ({ status: "rejected" as const, reason: new Error("database unavailable") }));
  results.forEach((result, i) => {
    const query = names[i]!;
    // Without a database the route has logged that once; seven more lines would say nothing new.
    if (result.status === "rejected" && db) log.error({ err: result.reason, query }, "metrics query failed");
    g.set(
      "paydesk_scrape_query_success",
      "1 when this scrape's database query succeeded, 0 when its metrics are missing.",
      result.status === "fulfilled" ? 1 : 0,
      { query },
    );
  });
  g.set(
    "paydesk_relay_enabled",
    "1 when NATS_URL is set, so the outbox relay runs.",
    process.env.NATS_URL ? 1 : 0,
  );
  g.set(
    "paydesk_scrape_duration_seconds",
    "Time this scrape spent querying the database.",
    (performance.now() - started) / 1000,
  );
  const merged = Registry.merge([processMetrics().registry, g.registry]);
  return { body: await merged.metrics(), contentType: merged.contentType };
}
