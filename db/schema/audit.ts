import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * Append-only (enforced by trigger, see the audit migration) and tamper-evident:
 * each row's hash covers its content and the previous hash of its chain. Chains are
 * per entity so that writers only ever wait on the entity they already hold locked.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: uuid("id").primaryKey(),
    occurredAt: ts("occurred_at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    actorEmail: text("actor_email"),
    actorRole: text("actor_role"),
    via: text("via").notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    reason: text("reason"),
    requestId: text("request_id"),
    /** The X-Request-Id the client sent: kept apart, as the client chose it. */
    clientRequestId: text("client_request_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    chainKey: text("chain_key").notNull(),
    chainSeq: integer("chain_seq").notNull(),
    prevHash: text("prev_hash"),
    hash: text("hash").notNull(),
  },
  (t) => [
    unique("audit_log_chain_position_key").on(t.chainKey, t.chainSeq),
    index("audit_log_occurred_idx").on(t.occurredAt.desc(), t.id.desc()),
    // Every filter index ends in the list's order (occurred_at desc, id desc), so a filtered
    // page is read in order from its index, ties included (lib/audit/list.ts).
    index("audit_log_entity_idx").on(t.entityType, t.entityId, t.occurredAt.desc(), t.id.desc()),
    index("audit_log_actor_idx").on(t.actorId, t.occurredAt.desc(), t.id.desc()),
    // Someone's entries of one kind (an auditor's "what did X refund", support's own view
    // filtered by action): without it, counting them intersects two large index ranges.
    index("audit_log_actor_action_idx").on(t.actorId, t.action, t.occurredAt.desc(), t.id.desc()),
    index("audit_log_actor_email_idx").on(sql`lower(${t.actorEmail})`, t.occurredAt.desc(), t.id.desc()),
    index("audit_log_action_idx").on(t.action, t.occurredAt.desc(), t.id.desc()),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * A signed snapshot of chain heads (all of them, or those that moved: a delta). Deleting a chain's newest entry (or rewriting a
 * chain) leaves its head behind the checkpoint, which `audit verify` reports. The signature
 * is an HMAC under a key the app's database role cannot read from the database.
 */
export const auditCheckpoints = pgTable(
  "audit_checkpoints",
  {
    id: uuid("id").primaryKey(),
    createdAt: ts("created_at").notNull(),
    /** Highest audit occurred_at covered, and how many chains. */
    coveredUntil: ts("covered_until").notNull(),
    chainCount: integer("chain_count").notNull(),
    /**
     * { full, fullAt?, heads: [{ chainKey, seq, hash }] sorted by chainKey }: every chain (full)
     * or the ones that moved since the previous checkpoint (lib/audit/checkpoint.ts). Older rows
     * hold the bare array (full).
     */
    heads: jsonb("heads").notNull(),
    keyId: text("key_id").notNull(),
    signature: text("signature").notNull(),
  },
  (t) => [index("audit_checkpoints_created_idx").on(t.createdAt.desc())],
);
