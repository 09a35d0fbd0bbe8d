import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { jobLeases } from "@/db/schema";
import { outboxBacklog, RELAY_JOB, type RelayReport } from "../events/relay";

/**
 * How event delivery to NATS is going, for the overview's status line and the health route,
 * whichever instance asks: the relay may run in another instance, so this is read from the
 * database — the `relay` row of job_leases, on which the relaying instance writes a
 * RelayReport every few seconds (lib/events/relay.ts), and the outbox itself.
 */
export interface RelayOverview {
  /**
   * relaying: a relay reported recently and publishing works.
   * failing:  a relay reported recently and publishing fails (broker unreachable, stream refused).
   * off:      no relay reports and this instance has no NATS_URL: events wait in the outbox.
   * silent:   NATS_URL is set but no relay has reported lately (starting, or every instance down).
   */
  state: "relaying" | "failing" | "off" | "silent";
  /** This instance has NATS_URL. */
  natsConfigured: boolean;
  /** Unpublished events in the outbox now. */
  backlog: number;
  /** The instance holding the relay lease (null when nobody holds it). */
  holder: string | null;
  /** When the relay last wrote its report. */
  reportedAt: Date | null;
  connected: boolean | null;
  lastPublishedAt: Date | null;
  lastLagMs: number | null;
  lastError: string | null;
  /** Since when publishing has failed without a success in between. */
  failingSince: Date | null;
}

/** A report older than this means no relay is running (the holder writes one every 2 s). */
export const RELAY_REPORT_STALE_MS = 60_000;

function date(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export async function relayOverview(
  db: Queryable,
  options: { now?: Date; natsUrl?: string | undefined } = {},
): Promise<RelayOverview> {
  const now = options.now ?? new Date();
  const natsConfigured = Boolean("natsUrl" in options ? options.natsUrl : process.env.NATS_URL);
  const [[row], backlog] = await Promise.all([
    db.select().from(jobLeases).where(eq(jobLeases.name, RELAY_JOB)),
    outboxBacklog(db),
  ]);
  const report = (row?.lastResult ?? null) as Partial<RelayReport> | null;
  const reportedAt = row?.lastFinishedAt ?? null;
  const held = Boolean(row?.leaseUntil && row.leaseUntil.getTime() > now.getTime());
  const fresh =
    held || (reportedAt !== null && now.getTime() - reportedAt.getTime() <= RELAY_REPORT_STALE_MS);
  const lastError = row?.lastError ?? null;
  const state: RelayOverview["state"] =
    report && fresh ? (lastError ? "failing" : "relaying") : natsConfigured ? "silent" : "off";
  return {
    state,
    natsConfigured,
    backlog,
    holder: held ? (row?.holder ?? null) : null,
    reportedAt,
    connected: typeof report?.connected === "boolean" ? report.connected : null,
    lastPublishedAt: date(report?.lastPublishedAt),
    lastLagMs: typeof report?.lastLagMs === "number" ? report.lastLagMs : null,
    lastError,
    failingSince: lastError ? date(report?.failingSince) : null,
  };
}

const count = new Intl.NumberFormat("en-US");

/** "just now", "12 s ago", "3 min ago", "5 h ago", "2 days ago". */
export function ago(then: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 1) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ago`;
  if (s < 2 * 86_400) return `${Math.floor(s / 3_600)} h ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}

/** "2026-03-15 12:00:03 UTC". */
export function utcTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** The overview's one line about event delivery (admins only). */
export function relayStatusLine(o: RelayOverview, now: Date): string {
  const n = count.format(o.backlog);
  switch (o.state) {
    case "relaying":
      return `Events: relayed to NATS, backlog ${n}, last published ${
        o.lastPublishedAt ? ago(o.lastPublishedAt, now) : "never (nothing to publish yet)"
      }`;
    case "failing": {
      const since = o.failingSince ?? o.reportedAt ?? now;
      const what = o.connected === false ? "NATS unreachable" : "publishing to NATS failing";
      return `Events: ${what} since ${utcTime(since)}, ${ago(since, now)} (${n} waiting)`;
    }
    case "off":
      return `Events: NATS_URL not set — events wait in the outbox (${n})`;
    case "silent":
      return o.reportedAt
        ? `Events: no relay has reported since ${utcTime(o.reportedAt)}, ${ago(o.reportedAt, now)} (${n} waiting)`
        : `Events: the relay has not reported yet (${n} waiting)`;
  }
}
