import { sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { domainEvents } from "@/db/schema";
import { toJson } from "../audit/json";
import type { DomainEventType } from "./catalogue";

export type { DomainEventType } from "./catalogue";

/** Writes to the outbox inside the caller's transaction; a relay publishes after commit. */
export async function emitEvent(
  tx: Tx,
  event: { type: DomainEventType; aggregateType: string; aggregateId: string; payload: unknown; at: Date },
): Promise<void> {
  await tx.insert(domainEvents).values({
    type: event.type,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    // The next number of this aggregate. Every emitter holds the aggregate's row lock (payment,
    // subscription) or creates it, so two transactions never race for one number; if they did,
    // the unique index would fail one of them rather than publish two events with one number.
    aggregateSeq: sql`(select coalesce(max(${domainEvents.aggregateSeq}), 0) + 1 from ${domainEvents}
      where ${domainEvents.aggregateType} = ${event.aggregateType} and ${domainEvents.aggregateId} = ${event.aggregateId})`,
    payload: toJson(event.payload) ?? {},
    occurredAt: event.at,
  });
}
