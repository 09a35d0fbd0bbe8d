import { index, integer, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { paymentProviderEnum, webhookOutcomeEnum } from "./enums";
import { payments } from "./payments";

export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    provider: paymentProviderEnum("provider").notNull(),
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    receivedAt: ts("received_at").notNull(),
    processedAt: ts("processed_at"),
    outcome: webhookOutcomeEnum("outcome"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    paymentId: uuid("payment_id").references(() => payments.id),
  },
  (t) => [
    unique("webhook_events_provider_event_key").on(t.provider, t.eventId),
    index("webhook_events_received_idx").on(t.receivedAt.desc(), t.id.desc()),
    index("webhook_events_payment_idx").on(t.paymentId),
  ],
);

export type WebhookEvent = typeof webhookEvents.$inferSelect;
