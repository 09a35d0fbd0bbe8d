import { asc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { domainEvents, webhookDeliveries, webhookEndpoints } from "@/db/schema";

export interface FanOutResult {
  /** Events marked dispatched. */
  events: number;
  /** Deliveries created for them (one per subscribed, enabled endpoint). */
  deliveries: number;
}

/**
 * Turns the oldest undispatched domain events into deliveries, in one transaction: one per
 * enabled endpoint that asked for the event's type, due at once; then marks the events
 * dispatched. Events are claimed with SKIP LOCKED, so instances running this side by side take
 * different events; the unique (endpoint, event) index makes a second delivery impossible anyway.
 * An endpoint receives the events that happen while it exists, not the history before it.
 */
export async function fanOutEvents(db: Db, options: { at: Date; limit: number }): Promise<FanOutResult> {
  const { at, limit } = options;
  return db.transaction(async (tx) => {
    const events = await tx
      .select({ id: domainEvents.id, type: domainEvents.type })
      .from(domainEvents)
      .where(isNull(domainEvents.dispatchedAt))
      .orderBy(asc(domainEvents.position))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (events.length === 0) return { events: 0, deliveries: 0 };
    // FOR SHARE: disabling an endpoint (FOR UPDATE) waits for this to commit and then fails the
    // deliveries created here too, instead of leaving them pending for a disabled endpoint.
    const endpoints = await tx
      .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.status, "enabled"))
      .for("share");
    const rows = events.flatMap((event) =>
      endpoints
        .filter((endpoint) => endpoint.eventTypes.includes(event.type))
        .map((endpoint) => ({
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          nextAttemptAt: at,
          createdAt: at,
        })),
    );
    let created = 0;
    for (let i = 0; i < rows.length; i += 1_000) {
      const inserted = await tx
        .insert(webhookDeliveries)
        .values(rows.slice(i, i + 1_000))
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id });
      created += inserted.length;
    }
    await tx
      .update(domainEvents)
      .set({ dispatchedAt: at })
      .where(
        inArray(
          domainEvents.id,
          events.map((e) => e.id),
        ),
      );
    return { events: events.length, deliveries: created };
  });
}
