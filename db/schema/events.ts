import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/** Transactional outbox: written in the same transaction as the change it describes. */
export const domainEvents = pgTable(
  "domain_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type").notNull(),
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: text("aggregate_id").notNull(),
    /**
     * 1, 2, 3… per aggregate, assigned at insert under the aggregate's row lock: consumers (and
     * the relay) order one aggregate's events by it, not by a clock.
     */
    aggregateSeq: integer("aggregate_seq").notNull().default(1),
    /** Global insertion order; the relay publishes in it. */
    position: bigint("position", { mode: "number" }).generatedAlwaysAsIdentity(),
    payload: jsonb("payload").notNull(),
    occurredAt: ts("occurred_at").notNull(),
    publishedAt: ts("published_at"),
    /** When the event was fanned out to outbound webhook endpoints (deliveries created). */
    dispatchedAt: ts("dispatched_at"),
  },
  (t) => [
    index("domain_events_unpublished_idx").on(t.occurredAt).where(sql`${t.publishedAt} is null`),
    index("domain_events_aggregate_idx").on(t.aggregateType, t.aggregateId, t.occurredAt),
    uniqueIndex("domain_events_aggregate_seq_key").on(t.aggregateType, t.aggregateId, t.aggregateSeq),
    index("domain_events_unpublished_position_idx").on(t.position).where(sql`${t.publishedAt} is null`),
    index("domain_events_undispatched_position_idx").on(t.position).where(sql`${t.dispatchedAt} is null`),
  ],
);

export type DomainEvent = typeof domainEvents.$inferSelect;
