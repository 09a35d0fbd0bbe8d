import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { staffUsers } from "./staff";

export const approvalRuleKinds = ["payment.create", "payment.refund_full", "subscription.grant"] as const;
export type ApprovalRuleKind = (typeof approvalRuleKinds)[number];

export const approvalStatuses = ["pending", "approved", "rejected", "expired", "failed"] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

/**
 * Four-eyes rules an admin edits at /settings/approvals. A money rule matches amounts of at
 * least `thresholdMinor` in `currency` (one row per currency); a grant rule matches grants of
 * more than `days` days.
 */
export const approvalRules = pgTable(
  "approval_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").$type<ApprovalRuleKind>().notNull(),
    currency: text("currency"),
    thresholdMinor: bigint("threshold_minor", { mode: "bigint" }),
    days: integer("days"),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("approval_rules_kind_currency_key").on(t.kind, sql`coalesce(${t.currency}, '')`)],
);

/**
 * An action held for a second admin: what was asked (`input`), what it would do (`preview`),
 * which rules matched, and how it ended. Decided requests are kept.
 */
export const approvalRequests = pgTable(
  "approval_requests",
  {
    id: uuid("id").primaryKey(),
    action: text("action").$type<ApprovalRuleKind>().notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id"),
    input: jsonb("input").notNull(),
    preview: jsonb("preview").notNull(),
    matchedRules: jsonb("matched_rules").notNull(),
    reason: text("reason").notNull(),
    status: text("status").$type<ApprovalStatus>().notNull().default("pending"),
    requestedBy: uuid("requested_by")
      .notNull()
      .references(() => staffUsers.id),
    requestedAt: ts("requested_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    decidedBy: uuid("decided_by").references(() => staffUsers.id),
    decidedAt: ts("decided_at"),
    decisionReason: text("decision_reason"),
    result: jsonb("result"),
    failure: text("failure"),
    requesterNotifiedAt: ts("requester_notified_at"),
  },
  (t) => [
    index("approval_requests_status_idx").on(t.status, t.requestedAt.desc()),
    index("approval_requests_requested_by_idx").on(t.requestedBy, t.requestedAt.desc()),
  ],
);
