import { sql } from "drizzle-orm";
import { getDatabase } from "@/db/runtime";
import { outboxBacklog, relayStatus } from "@/lib/events/relay";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and the README's smoke check. */
export async function GET() {
  const started = performance.now();
  try {
    const { db, kind } = await getDatabase();
    await db.execute(sql`select 1`);
    const backlog = await outboxBacklog(db);
    return Response.json(
      {
        status: "ok",
        database: kind,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        // The outbox relay to NATS JetStream: not silent when the broker is down or falling behind.
        events: {
          relay: relayStatus.enabled
            ? relayStatus.lastError
              ? "failing"
              : "running"
            : "off (NATS_URL not set)",
          backlog,
          connected: relayStatus.connected,
          lastPublishedAt: relayStatus.lastPublishedAt,
          lastLagMs: relayStatus.lastLagMs,
          lastError: relayStatus.lastError,
        },
      },
      { headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    console.error("health check failed:", (err as Error).message);
    return Response.json(
      {
        type: "about:blank",
        title: "Database unavailable",
        status: 503,
        detail: (err as Error).message.split("\n")[0],
      },
      { status: 503, headers: { "content-type": "application/problem+json", "cache-control": "no-store" } },
    );
  }
}
