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
    /** Why the last application ended as it did (e.g. why an event was ignored). */
    outcomeReason: text("outcome_reason"),
    /** How the delivery was authenticated: "stripe-signature", "ip-allowlist", "ip-allowlist+hmac". */
    verification: text("verification"),
    /** The client address the delivery came from (as the route determined it). */
    sourceIp: text("source_ip"),
    /** The provider object the event is about (a Stripe PaymentIntent id), to find its other events. */
    subjectId: text("subject_id"),
    paymentId: uuid("payment_id").references(() => payments.id),
  },
  (t) => [
    unique("webhook_events_provider_event_key").on(t.provider, t.eventId),
    index("webhook_events_received_idx").on(t.receivedAt.desc(), t.id.desc()),
    index("webhook_events_payment_idx").on(t.paymentId),
    // The event log's "failed only" view stays an index scan however many events succeed.
    index("webhook_events_subject_idx").on(t.provider, t.subjectId),
    index("webhook_events_outcome_received_idx").on(t.outcome, t.receivedAt.desc(), t.id.desc()),
  ],
);

export type WebhookEvent = typeof webhookEvents.$inferSelect;
