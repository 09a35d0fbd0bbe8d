import type { DomainEvent } from "@/db/schema";
import { type DomainEventType, eventVersion } from "./catalogue";

/**
 * The body every consumer gets, on JetStream and in signed outbound webhooks alike
 * (docs/events.md). `schemaVersion` is the version of this type's `data` shape: additions keep it,
 * anything a consumer could trip over bumps it.
 */
export function eventMessage(e: DomainEvent) {
  return {
    id: e.id,
    type: e.type,
    schemaVersion: eventVersion(e.type as DomainEventType),
    occurredAt: e.occurredAt.toISOString(),
    aggregate: { type: e.aggregateType, id: e.aggregateId, seq: e.aggregateSeq },
    data: e.payload,
  };
}

export type EventMessage = ReturnType<typeof eventMessage>;
