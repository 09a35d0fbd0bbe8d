import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { domainEvents } from "./events";
import { staffUsers } from "./staff";

/**
 * A receiver of signed outbound webhooks (Standard Webhooks). The secret is needed in clear to
 * sign, so it is stored as issued (`whsec_…`); it is shown once at creation or rotation. During a
 * rotation the previous secret keeps signing too (two signatures) until `previousSecretExpiresAt`.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    url: text("url").notNull(),
    description: text("description"),
    /** Domain event types this endpoint receives (e.g. `payment.completed`). */
    eventTypes: text("event_types").array().notNull(),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: ts("previous_secret_expires_at"),
    /** enabled | disabled */
    status: text("status").notNull().default("enabled"),
    disabledReason: text("disabled_reason"),
    disabledAt: ts("disabled_at"),
    createdByStaffId: uuid("created_by_staff_id").references(() => staffUsers.id),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("webhook_endpoints_created_at_idx").on(t.createdAt.desc(), t.id.desc()),
    check("webhook_endpoints_status", sql`${t.status} in ('enabled', 'disabled')`),
  ],
);

/**
 * One event to one endpoint: created when the event is fanned out, then attempted on the
 * Standard Webhooks retry schedule until it succeeds or the schedule ends. Any instance may work
 * on it: due rows are claimed with `FOR UPDATE SKIP LOCKED`.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    eventId: uuid("event_id")
      .notNull()
      .references(() => domainEvents.id),
    eventType: text("event_type").notNull(),
    /** pending | succeeded | failed (the schedule ran out or the endpoint was disabled) */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at"),
    lastAttemptAt: ts("last_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastLatencyMs: integer("last_latency_ms"),
    lastError: text("last_error"),
    deliveredAt: ts("delivered_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_event_key").on(t.endpointId, t.eventId),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt.desc(), t.id.desc()),
    check("webhook_deliveries_status", sql`${t.status} in ('pending', 'succeeded', 'failed')`),
  ],
);

/** Every attempt of a delivery, for the delivery log: status, latency, an excerpt of the answer. */
export const webhookDeliveryAttempts = pgTable(
  "webhook_delivery_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id),
    attempt: integer("attempt").notNull(),
    at: ts("at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms"),
    error: text("error"),
    responseExcerpt: text("response_excerpt"),
    /** Set when a person asked for this attempt (resend), else the schedule made it. */
    manualByStaffId: uuid("manual_by_staff_id").references(() => staffUsers.id),
  },
  (t) => [index("webhook_delivery_attempts_delivery_idx").on(t.deliveryId, t.attempt)],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type WebhookDeliveryAttempt = typeof webhookDeliveryAttempts.$inferSelect;
