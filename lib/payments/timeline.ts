import { and, eq, or, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type AuditRow, auditLog, subscriptionGrants } from "@/db/schema";
import { diffJson, type JsonChange } from "../audit/diff";
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
}

function field(value: unknown, key: string): unknown {
  return value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The payment entry whose transaction wrote a subscription entry: the one that moved the
 * payment into `succeeded` for an extension; for a revocation the first refund that took
 * access back or the voiding of a trial (a grant is revoked at most once). Mirrors the
 * callers of extendForPayment / revokeForPayment.
 */
function causeOf(sub: AuditRow, paymentEntries: readonly AuditRow[]): AuditRow | undefined {
  if (sub.action === "subscription.extend") {
    return paymentEntries.find(
      (p) => field(p.after, "status") === "succeeded" && field(p.before, "status") !== "succeeded",
    );
  }
  return paymentEntries.find(
    (p) =>
      (p.action === "payment.refund" && field(field(p.after, "refund"), "revokeAccess") === true) ||
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
export async function getPaymentTimeline(db: Queryable, paymentId: string): Promise<TimelineEntry[]> {
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

  return ordered.map((r) => ({
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
  }));
}
