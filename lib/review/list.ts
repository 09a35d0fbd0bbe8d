import { and, asc, eq, inArray, isNotNull, lt, ne } from "drizzle-orm";
import type { Db } from "@/db/client";
import { customers, disputes, payments, refunds } from "@/db/schema";
import { ERASED_NAME } from "../customers/erase";
import { jobStatus } from "../jobs/lease";
import { RECONCILE_JOB } from "../jobs/scheduler";
import { type BreakerStatus, breakerStatus } from "../providers/breaker";
import { listParkedMessages, type ParkedMessageItem } from "./parked";
import { listRefundSuggestions, type RefundSuggestionItem } from "./suggestions";

/** A provider payment still open this long after its last change needs a person. */
export const STUCK_AFTER_MS = 60 * 60_000;
/** A refund still unconfirmed after a day needs a person. */
export const REFUND_PENDING_AFTER_MS = 24 * 3_600_000;
const LIMIT = 200;

export type ReviewKind = "stuck_payment" | "held_for_review" | "open_dispute" | "pending_refund";

export interface ReviewItem {
  kind: ReviewKind;
  paymentId: string;
  customerEmail: string;
  provider: string;
  providerPaymentId: string | null;
  amountMinor: bigint;
  currency: string;
  /** Why it is here, in a sentence. */
  reason: string;
  /** Since when it has waited. */
  since: Date;
  /** What a person does about it. */
  action: "sync" | "decide" | "respond_at_provider";
}

export interface ReviewList {
  items: ReviewItem[];
  /** Money Paydesk thinks should go back (e.g. a deleted user's unused time), for an admin to refund or dismiss. */
  suggestions: RefundSuggestionItem[];
  /** Consumed messages that could not be handled; null unless the viewer may read them (`inbound.view`). */
  parked: ParkedMessageItem[] | null;
  breakers: BreakerStatus[];
  reconciler: {
    lastStartedAt: Date | null;
    lastFinishedAt: Date | null;
    lastResult: Record<string, unknown> | null;
    lastError: string | null;
  } | null;
}

const base = {
  paymentId: payments.id,
  customerEmail: customers.email,
  customerErasedAt: customers.erasedAt,
  provider: payments.provider,
  providerPaymentId: payments.providerPaymentId,
  status: payments.status,
  providerStatus: payments.providerStatus,
  providerError: payments.providerError,
  reviewReason: payments.reviewReason,
  amountMinor: payments.amountMinor,
  currency: payments.currency,
  updatedAt: payments.updatedAt,
  syncedAt: payments.providerSyncedAt,
};

/**
 * What needs a person, oldest first within each kind: provider payments the reconciler could
 * not settle, payments held for review (currency or amount not matching the plan), open
 * disputes, and refunds still unconfirmed after a day; open refund suggestions and, for those
 * who may read them, parked inbound messages; with the providers' circuit breakers and the
 * reconciler's last run.
 */
export async function listReview(
  db: Db,
  now: Date = new Date(),
  options: { includeParked?: boolean } = {},
): Promise<ReviewList> {
  const stuckBefore = new Date(now.getTime() - STUCK_AFTER_MS);
  const stuck = await db
    .select(base)
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(
      and(
        ne(payments.provider, "manual"),
        inArray(payments.status, ["pending", "processing"]),
        lt(payments.updatedAt, stuckBefore),
      ),
    )
    .orderBy(asc(payments.updatedAt))
    .limit(LIMIT);
  const held = await db
    .select(base)
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(isNotNull(payments.reviewReason))
    .orderBy(asc(payments.updatedAt))
    .limit(LIMIT);
  const open = await db
    .select({ ...base, dispute: disputes })
    .from(disputes)
    .innerJoin(payments, eq(payments.id, disputes.paymentId))
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(eq(disputes.status, "open"))
    .orderBy(asc(disputes.openedAt))
    .limit(LIMIT);
  const refundsBefore = new Date(now.getTime() - REFUND_PENDING_AFTER_MS);
  const waiting = await db
    .select({ ...base, refund: refunds })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(and(eq(refunds.status, "pending"), lt(refunds.createdAt, refundsBefore)))
    .orderBy(asc(refunds.createdAt))
    .limit(LIMIT);

  const items: ReviewItem[] = [
    ...stuck.map((p) => ({
      kind: "stuck_payment" as const,
      ...pick(p),
      reason: `Still ${(p.providerStatus ?? p.status).replaceAll("_", " ")} at ${name(p.provider)}${p.providerError ? ` (last error: ${p.providerError})` : ""}${p.syncedAt ? `; last synced ${p.syncedAt.toISOString()}` : "; never synced"}`,
      since: p.updatedAt,
      action: "sync" as const,
    })),
    ...held.map((p) => ({
      kind: "held_for_review" as const,
      ...pick(p),
      reason: `${p.reviewReason ?? ""}: nothing was granted`,
      since: p.updatedAt,
      action: "decide" as const,
    })),
    ...open.map((p) => ({
      kind: "open_dispute" as const,
      ...pick(p),
      amountMinor: p.dispute.amountMinor,
      currency: p.dispute.currency,
      reason: `${p.dispute.kind === "inquiry" ? "Inquiry" : "Chargeback"} ${p.dispute.providerDisputeId}: ${p.dispute.providerStatus.replaceAll("_", " ")}${p.dispute.reason ? ` (${p.dispute.reason})` : ""}${p.dispute.fundsWithdrawn ? "; funds withdrawn" : ""}`,
      since: p.dispute.openedAt,
      action: "respond_at_provider" as const,
    })),
    ...waiting.map((p) => ({
      kind: "pending_refund" as const,
      ...pick(p),
      amountMinor: p.refund.amountMinor,
      currency: p.refund.currency,
      reason: `Refund ${p.refund.providerRefundId ?? p.refund.id} ${p.refund.providerRefundId ? `is ${(p.refund.providerStatus ?? "pending").replaceAll("_", " ")} at ${name(p.provider)}` : `was never confirmed by ${name(p.provider)}`}`,
      since: p.refund.createdAt,
      action: "sync" as const,
    })),
  ];
  const job = await jobStatus(db, RECONCILE_JOB);
  return {
    items,
    suggestions: await listRefundSuggestions(db),
    parked: options.includeParked ? await listParkedMessages(db) : null,
    breakers: breakerStatus(),
    reconciler: job
      ? {
          lastStartedAt: job.lastStartedAt,
          lastFinishedAt: job.lastFinishedAt,
          lastResult: job.lastResult ?? null,
          lastError: job.lastError,
        }
      : null,
  };
}

function name(provider: string): string {
  return provider === "stripe" ? "Stripe" : provider === "yookassa" ? "YooKassa" : provider;
}

function pick(p: {
  paymentId: string;
  customerEmail: string;
  customerErasedAt: Date | null;
  provider: string;
  providerPaymentId: string | null;
  amountMinor: bigint;
  currency: string;
}) {
  return {
    paymentId: p.paymentId,
    // An erased customer's address is a tombstone; say what it is instead.
    customerEmail: p.customerErasedAt ? ERASED_NAME : p.customerEmail,
    provider: p.provider,
    providerPaymentId: p.providerPaymentId,
    amountMinor: p.amountMinor,
    currency: p.currency,
  };
}
