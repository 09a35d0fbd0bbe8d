import { and, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { disputes, type Payment, refunds } from "@/db/schema";
import type { ServiceContext } from "../context";
import { reinstateForPayment, revokeForPayment, type SubscriptionEffect } from "../subscriptions/effects";

/**
 * The one rule for whether the access a payment gave must be taken away, as a function of the
 * payment's present state (so every order of refunds, failures and disputes ends the same):
 * - the payment was voided (a trial canceled after it succeeded);
 * - a dispute of it was lost (that counts like a full refund);
 * - a refund that succeeded asked to revoke access (a partial refund, by the admin's choice);
 * - it is fully refunded, unless a succeeded refund of it asked to keep access (compensation).
 * Returns why, or null when the payment's grant stands.
 */
export async function whyAccessTakenAway(tx: Tx, payment: Payment): Promise<string | null> {
  if (payment.status === "canceled") return "the payment was voided";
  const [lost] = await tx
    .select({ id: disputes.providerDisputeId })
    .from(disputes)
    .where(and(eq(disputes.paymentId, payment.id), eq(disputes.status, "lost")))
    .limit(1);
  if (lost) return `dispute ${lost.id} was lost`;
  const counted = await tx
    .select({ revoke: refunds.revokedAccess, keep: refunds.keepAccess })
    .from(refunds)
    .where(and(eq(refunds.paymentId, payment.id), eq(refunds.status, "succeeded")));
  if (counted.some((r) => r.revoke)) return "a refund revoked access";
  if (payment.status === "refunded" && !counted.some((r) => r.keep)) return "the payment is fully refunded";
  return null;
}

/**
 * Brings the payment's grant in line with `whyAccessTakenAway`: revokes it, or reinstates one
 * revoked for a reason that no longer holds (a counted refund that failed at the provider).
 * Both replay the subscription's live ledger; nothing is written when the grant already agrees.
 */
export async function alignAccess(
  tx: Tx,
  ctx: ServiceContext,
  payment: Payment,
  now: Date,
  reason: string | null,
): Promise<SubscriptionEffect | null> {
  const why = await whyAccessTakenAway(tx, payment);
  return why
    ? revokeForPayment(tx, ctx, payment, now, reason)
    : reinstateForPayment(tx, ctx, payment, now, reason);
}
