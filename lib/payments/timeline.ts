import { and, eq, or, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type AuditRow, auditLog, subscriptionGrants, webhookEvents } from "@/db/schema";
import type { WebhookOutcome } from "@/db/schema/enums";
import { diffJson, type JsonChange } from "../audit/diff";
import { type AuditViewer, auditScope } from "../audit/list";
import { ServiceError } from "../errors";
import { isUuid } from "../validation/common";

export interface TimelineEntry {
  id: string;
  at: Date;
  action: string;
  /** `payment`, or `subscription` for the access this payment gave or took back. */
  entityType: string;
  entityId: string;
  /** The staff member's email, or the system actor's id (`system:stripe`). */
  actorLabel: string;
  actorRole: string | null;
  via: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  changes: JsonChange[];
  /**
   * Someone else's entry that the viewer may not read (support reads only its own audit
   * entries): only what happened and when is shown; actor, reason and before/after are withheld.
   */
  withheld?: boolean;
  /** Set on the entries for provider webhook events about this payment (action `webhook.event`). */
  webhook?: {
    id: string;
    provider: string;
    type: string;
    outcome: WebhookOutcome | null;
  };
}

function field(value: unknown, key: string): unknown {
  return value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The payment entry whose transaction wrote a subscription entry: the one that moved the
 * payment into `succeeded` for an extension; for a revocation the first refund that took
 * access back, a lost dispute or the voiding of a trial; for a reinstatement the reversed
 * refund. Mirrors the callers of extendForPayment / revokeForPayment / reinstateForPayment.
 */
function causeOf(sub: AuditRow, paymentEntries: readonly AuditRow[]): AuditRow | undefined {
  if (sub.action === "subscription.extend") {
    return paymentEntries.find(
      (p) => field(p.after, "status") === "succeeded" && field(p.before, "status") !== "succeeded",
    );
  }
  if (sub.action === "subscription.reinstate") {
    return paymentEntries.find(
      (p) => p.action === "payment.refund_reversed" && p.occurredAt <= sub.occurredAt,
    );
  }
  return paymentEntries.find(
    (p) =>
      (p.action === "payment.refund" &&
        (field(field(p.after, "refund"), "revokeAccess") === true ||
          field(p.after, "status") === "refunded")) ||
      (p.action === "payment.dispute_update" && field(field(p.after, "dispute"), "status") === "lost") ||
      (p.action === "payment.status_change" &&
        field(p.before, "status") === "succeeded" &&
        field(p.after, "status") === "canceled"),
  );
}

/**
 * Everything the audit log says happened to one payment, oldest first: its own entries
 * and the subscription entries its transactions wrote (extension on success, revocation
 * on a full refund, a revoking partial refund or a voided trial).
 */
export async function getPaymentTimeline(
  db: Queryable,
  paymentId: string,
  /**
   * Who reads it: with `audit.view_own` only (support) the entries of others keep their action
   * and time but not who, why or what changed, the audit page's rule (lib/audit/list.ts).
   * Omitted by trusted callers only (tests, the CLI): everything is shown.
   */
  viewer?: AuditViewer,
): Promise<TimelineEntry[]> {
  if (!isUuid(paymentId)) throw ServiceError.notFound(`No payment with id ${paymentId}`);
  const id = paymentId.toLowerCase();

  // Key: the payment id effects.ts writes into `after` (not the request id: one CLI/seed context spans many txs).
  // The subscription comes from the payment's grant (unique per payment): a scalar subquery, so the
  // (entity_type, entity_id) index is probed with its value instead of scanning every subscription entry.
  const grantSubscription = sql`(select ${subscriptionGrants.subscriptionId}::text from ${subscriptionGrants}
    where ${subscriptionGrants.paymentId} = ${id})`;
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      or(
        and(eq(auditLog.entityType, "payment"), eq(auditLog.entityId, id)),
        and(
          eq(auditLog.entityType, "subscription"),
          sql`${auditLog.entityId} = ${grantSubscription}`,
          or(
            sql`${auditLog.after} -> 'grant' ->> 'paymentId' = ${id}`,
            sql`${auditLog.after} -> 'revokedGrant' ->> 'paymentId' = ${id}`,
            sql`${auditLog.after} -> 'reinstatedGrant' ->> 'paymentId' = ${id}`,
          ),
        ),
      ),
    );

  // Order: the payment's own chain is the true order of its changes; each subscription
  // entry goes right after the payment entry of the same transaction. Clocks (frozen in
  // tests, skewed between instances) only place an entry whose cause is not found.
  const paymentEntries = rows
    .filter((r) => r.entityType === "payment")
    .sort((a, b) => a.chainSeq - b.chainSeq);
  const rank = new Map<string, number>();
  for (const p of paymentEntries) rank.set(p.id, p.chainSeq);
  for (const r of rows) {
    if (r.entityType === "payment") continue;
    const cause = causeOf(r, paymentEntries);
    if (cause) {
      rank.set(r.id, cause.chainSeq + 0.5);
    } else {
      const earlier = paymentEntries.filter((p) => p.occurredAt <= r.occurredAt).at(-1);
      rank.set(r.id, (earlier?.chainSeq ?? 0) + 0.75);
    }
  }
  const ordered = [...rows].sort(
    (a, b) =>
      rank.get(a.id)! - rank.get(b.id)! ||
      a.occurredAt.getTime() - b.occurredAt.getTime() ||
      a.chainSeq - b.chainSeq,
  );

  const scope = viewer ? auditScope(viewer) : "all";
  const readable = (r: AuditRow) =>
    scope === "all" || (scope === "own" && r.actorType === "staff" && r.actorId === viewer?.id.toLowerCase());
  const entries: TimelineEntry[] = ordered.map((r) => (readable(r) ? entryOf(r) : withheldEntryOf(r)));
  return withWebhookEvents(db, id, entries, paymentEntries);
}

/** A neutral fact: this happened to the payment at this time, nothing about who or why. */
function withheldEntryOf(r: AuditRow): TimelineEntry {
  return {
    id: r.id,
    at: r.occurredAt,
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    actorLabel: "someone else",
    actorRole: null,
    via: "",
    reason: null,
    before: null,
    after: null,
    changes: [],
    withheld: true,
  };
}

function entryOf(r: AuditRow): TimelineEntry {
  return {
    id: r.id,
    at: r.occurredAt,
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    actorLabel: r.actorEmail ?? r.actorId,
    actorRole: r.actorRole,
    via: r.via,
    reason: r.reason,
    before: r.before,
    after: r.after,
    changes: diffJson(r.before, r.after),
  };
}

/**
 * The provider's webhook events about the payment, each placed after the payment's entries
 * that happened before it arrived (and their subscription entries), so it precedes the
 * changes it caused: an event's application is stamped no earlier than its receipt.
 */
async function withWebhookEvents(
  db: Queryable,
  paymentId: string,
  entries: TimelineEntry[],
  paymentEntries: readonly AuditRow[],
): Promise<TimelineEntry[]> {
  const events = await db
    .select({
      id: webhookEvents.id,
      provider: webhookEvents.provider,
      type: webhookEvents.type,
      receivedAt: webhookEvents.receivedAt,
      outcome: webhookEvents.outcome,
      outcomeReason: webhookEvents.outcomeReason,
      error: webhookEvents.error,
    })
    .from(webhookEvents)
    .where(eq(webhookEvents.paymentId, paymentId));
  if (events.length === 0) return entries;
  const placed = events
    .map((e) => ({
      e,
      after: paymentEntries.filter((p) => p.occurredAt < e.receivedAt).at(-1)?.id ?? null,
    }))
    .sort((a, b) => a.e.receivedAt.getTime() - b.e.receivedAt.getTime() || (a.e.id < b.e.id ? -1 : 1));
  const paymentEntryIds = new Set(paymentEntries.map((p) => p.id));
  const out: TimelineEntry[] = [];
  const flush = (after: string | null) => {
    for (const { e, after: placedAfter } of placed) {
      if (placedAfter !== after) continue;
      out.push({
        id: e.id,
        at: e.receivedAt,
        action: "webhook.event",
        entityType: "webhook_event",
        entityId: e.id,
        actorLabel: `system:${e.provider}`,
        actorRole: null,
        via: "webhook",
        reason: e.error ?? e.outcomeReason,
        before: null,
        after: null,
        changes: [],
        webhook: { id: e.id, provider: e.provider, type: e.type, outcome: e.outcome },
      });
    }
  };
  // A payment entry and the subscription entries of its transaction stay together: the
  // events that arrived after it go after all of them.
  let owner: string | null = null;
  for (const entry of entries) {
    if (paymentEntryIds.has(entry.id)) {
      flush(owner);
      owner = entry.id;
    }
    out.push(entry);
  }
  flush(owner);
  return out;
}
