import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { customers } from "./customers";
import { payments } from "./payments";
import { staffUsers } from "./staff";

/**
 * Messages Paydesk consumed from JetStream (`accounts.user.deleted`), keyed by the message id:
 * a redelivered or republished message finds its row and changes nothing. A message that cannot
 * be handled is parked here with the reason, for admins to see.
 */
export const inboundMessages = pgTable(
  "inbound_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    subject: text("subject").notNull(),
    /** `Nats-Msg-Id` when the publisher set one, else `<stream>:<stream sequence>`. */
    messageId: text("message_id").notNull(),
    streamSeq: bigint("stream_seq", { mode: "number" }),
    /** processed | parked */
    status: text("status").notNull(),
    reason: text("reason"),
    payload: jsonb("payload"),
    /** The raw body when it was not JSON (truncated), so a parked message can be read. */
    rawExcerpt: text("raw_excerpt"),
    customerId: uuid("customer_id").references(() => customers.id),
    receivedAt: ts("received_at").notNull().defaultNow(),
    processedAt: ts("processed_at"),
  },
  (t) => [
    uniqueIndex("inbound_messages_subject_message_key").on(t.subject, t.messageId),
    index("inbound_messages_parked_idx").on(t.receivedAt).where(sql`${t.status} = 'parked'`),
    check("inbound_messages_status", sql`${t.status} in ('processed', 'parked')`),
  ],
);

/**
 * Money Paydesk thinks should go back but will not send by itself (e.g. the unused part of a
 * paid period when a user was deleted): shown on the review list until an admin refunds or
 * dismisses it.
 */
export const refundSuggestions = pgTable(
  "refund_suggestions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    /** Why, in a sentence (e.g. "User deleted: 12 of 30 days unused"). */
    reason: text("reason").notNull(),
    /** What produced it: `user.deleted`, … */
    source: text("source").notNull(),
    /** open | refunded | dismissed */
    status: text("status").notNull().default("open"),
    createdAt: ts("created_at").notNull().defaultNow(),
    resolvedAt: ts("resolved_at"),
    resolvedByStaffId: uuid("resolved_by_staff_id").references(() => staffUsers.id),
  },
  (t) => [
    uniqueIndex("refund_suggestions_payment_source_key").on(t.paymentId, t.source),
    index("refund_suggestions_open_idx").on(t.createdAt).where(sql`${t.status} = 'open'`),
    check("refund_suggestions_status", sql`${t.status} in ('open', 'refunded', 'dismissed')`),
    check("refund_suggestions_amount_positive", sql`${t.amountMinor} > 0`),
  ],
);

export type InboundMessage = typeof inboundMessages.$inferSelect;
export type RefundSuggestion = typeof refundSuggestions.$inferSelect;
