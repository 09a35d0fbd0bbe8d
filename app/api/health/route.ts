import { sql } from "drizzle-orm";
import { getDatabase } from "@/db/runtime";
import { userDeletedConsumerStatus } from "@/lib/accounts/consumer";
import { relayStatus } from "@/lib/events/relay";
import { databaseFailure } from "@/lib/health/failure";
import { componentLogger } from "@/lib/log";
import { outboundBacklog, outboundStatus } from "@/lib/outbound/loop";
import { relayOverview } from "@/lib/overview/relay-status";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and the README's smoke check. */
export async function GET() {
  const started = performance.now();
  try {
    const { db, kind } = await getDatabase();
    await db.execute(sql`select 1`);
    const [relay, outbound] = await Promise.all([relayOverview(db), outboundBacklog(db)]);
    return Response.json(
      {
        status: "ok",
        database: kind,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        // The outbox relay to NATS JetStream: not silent when the broker is down or falling
        // behind. Read from the relay's lease row, so every instance reports the one relaying.
        events: {
          relay: {
            relaying: "running",
            failing: "failing",
            off: "off (NATS_URL not set)",
            silent: "not reporting",
          }[relay.state],
          enabled: relay.natsConfigured,
          backlog: relay.backlog,
          connected: relay.connected ?? relayStatus.connected,
          lastPublishedAt: relay.lastPublishedAt,
          lastLagMs: relay.lastLagMs,
          lastError: relay.lastError,
          failingSince: relay.failingSince,
          holder: relay.holder,
          reportedAt: relay.reportedAt,
          // This instance's own loop: holding the lease, or standing by.
          thisInstance: { running: relayStatus.enabled, holding: relayStatus.holding },
        },
        // Signed outbound webhooks: deliveries waiting (all instances, from the database) and
        // this instance's deliverer.
        outbound: {
          ...outbound,
          thisInstance: {
            running: outboundStatus.running,
            lastRunAt: outboundStatus.lastRunAt,
            lastError: outboundStatus.lastError,
            lastErrorAt: outboundStatus.lastErrorAt,
          },
        },
        // accounts.user.deleted consumed from NATS by this instance (parked messages: /review).
        userDeleted: userDeletedConsumerStatus,
      },
      { headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    componentLogger("health").error({ err }, "health check failed");
    // The error's text only for signed-in admins (lib/health/failure.ts).
    return databaseFailure(err);
  }
}
