import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/** Transactional outbox: written in the same transaction as the change it describes. */
export const domainEvents = pgTable(
  "domain_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type").notNull(),
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: text("aggregate_id").notNull(),
    payload: jsonb("payload").notNull(),
    occurredAt: ts("occurred_at").notNull(),
    publishedAt: ts("published_at"),
  },
  (t) => [
    index("domain_events_unpublished_idx").on(t.occurredAt).where(sql`${t.publishedAt} is null`),
    index("domain_events_aggregate_idx").on(t.aggregateType, t.aggregateId, t.occurredAt),
  ],
);

export type DomainEvent = typeof domainEvents.$inferSelect;
