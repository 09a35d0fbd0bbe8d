import { and, eq } from "drizzle-orm";
import { refunds } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { formatMinor } from "@/lib/money/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { STRIPE_REFUND_METADATA } from "@/lib/payments/provider-refund";
import { refundPayment } from "@/lib/payments/refund";
import type { HandlerResult } from "@/lib/webhooks/types";
import { fromStripeAmount } from "./amount";
import { eventLabel, findStripePayment, ignored, isRefusal, processed, refusalText } from "./common";
import {
  chargeObject,
  refundObject,
  type StripeEventEnvelope,
  type StripeRefund,
  shapeProblem,
} from "./event";

/** Marks an event that names a PaymentIntent Paydesk has no payment for yet (see handle.ts). */
export const WAITING_FOR_PAYMENT = "Waiting for the payment";

export function waitingFor(intentId: string, what: string): HandlerResult {
  return ignored(
    `${WAITING_FOR_PAYMENT}: no payment is recorded for PaymentIntent ${intentId} yet; ${what} is applied when it is`,
  );
}

/** `refund.created` / `refund.updated`: one refund. */
export async function handleRefundEvent(
  ctx: ServiceContext,
  event: StripeEventEnvelope,
): Promise<HandlerResult> {
  const parsed = refundObject.safeParse(event.data.object);
  if (!parsed.success) return ignored(`data.object is not a refund (${shapeProblem(parsed.error)})`);
  return applyStripeRefund(ctx, event, parsed.data);
}

/**
 * `charge.refunded`. Current API versions do not include the charge's refunds (each arrives
 * as its own `refund.*` event and is recorded from there); when the charge does carry them
 * (older API versions, expanded), each is recorded like a `refund.*` event.
 */
export async function handleChargeRefunded(
  ctx: ServiceContext,
  event: StripeEventEnvelope,
): Promise<HandlerResult> {
  const parsed = chargeObject.safeParse(event.data.object);
  if (!parsed.success) return ignored(`data.object is not a charge (${shapeProblem(parsed.error)})`);
  const charge = parsed.data;
  if (!charge.payment_intent) return ignored(`Charge ${charge.id} belongs to no PaymentIntent`);

  const listed = (charge.refunds?.data ?? []).flatMap((item) => {
    const refund = refundObject.safeParse(item);
    return refund.success
      ? [{ ...refund.data, payment_intent: refund.data.payment_intent ?? charge.payment_intent }]
      : [];
  });
  if (listed.length > 0) {
    const results: HandlerResult[] = [];
    for (const refund of listed) results.push(await applyStripeRefund(ctx, event, refund));
    const changed = results.filter((r) => r.outcome === "processed");
    return {
      outcome: changed.length > 0 ? "processed" : "ignored",
      reason: results.map((r) => r.reason).join("; "),
      paymentId: results.find((r) => r.paymentId)?.paymentId ?? null,
    };
  }

  const payment = await findStripePayment(ctx.db, charge.payment_intent);
  if (!payment) return waitingFor(charge.payment_intent, "the refund");
  const total = fromStripeAmount(charge.amount_refunded, charge.currency);
  if (!total.ok) return ignored(`Charge ${charge.id}: ${total.error}`, payment.id);
  const recorded = `${formatMinor(payment.refundedMinor, payment.currency)} ${payment.currency}`;
  const reported = `${formatMinor(total.minor, total.currency)} ${total.currency}`;
  if (total.currency === payment.currency && total.minor === payment.refundedMinor) {
    return ignored(`Stripe reports ${reported} refunded in total, as recorded here`, payment.id);
  }
  return ignored(
    `Stripe reports ${reported} refunded in total, ${recorded} recorded here: each refund is recorded from its refund.created / refund.updated event`,
    payment.id,
  );
}

/**
 * Records a refund Stripe reports, once per refund id: a refund Paydesk itself started is
 * already recorded (with its id) and changes nothing more; one made in Stripe's dashboard is
 * recorded as a provider refund (a full refund revokes the access the payment gave).
 */
async function applyStripeRefund(
  ctx: ServiceContext,
  event: StripeEventEnvelope,
  refund: StripeRefund,
): Promise<HandlerResult> {
  const [known] = await ctx.db
    .select({ paymentId: refunds.paymentId })
    .from(refunds)
    .where(and(eq(refunds.provider, "stripe"), eq(refunds.providerRefundId, refund.id)));
  if (known) {
    if (refund.status === "failed" || refund.status === "canceled") {
      return ignored(
        `Stripe reports refund ${refund.id} ${refund.status}${refund.failure_reason ? ` (${refund.failure_reason})` : ""} after it was recorded here: check the payment in Stripe`,
        known.paymentId,
      );
    }
    return ignored(`Refund ${refund.id} is already recorded`, known.paymentId);
  }
  if (refund.status !== "succeeded") {
    return ignored(
      `Refund ${refund.id} is ${refund.status ?? "of unknown status"} at Stripe: recorded once it succeeds`,
    );
  }
  if (!refund.payment_intent) return ignored(`Refund ${refund.id} belongs to no PaymentIntent`);
  const payment = await findStripePayment(ctx.db, refund.payment_intent);
  if (!payment) return waitingFor(refund.payment_intent, `refund ${refund.id}`);

  const amount = fromStripeAmount(refund.amount, refund.currency);
  if (!amount.ok) return ignored(`Refund ${refund.id}: ${amount.error}`, payment.id);
  if (amount.currency !== payment.currency) {
    return ignored(
      `Refund ${refund.id} is in ${amount.currency}, the payment in ${payment.currency}`,
      payment.id,
    );
  }
  if (payment.status === "failed" || payment.status === "canceled") {
    return ignored(`Refund ${refund.id} not applied: the payment is ${payment.status} here`, payment.id);
  }

  const notes: string[] = [];
  if (payment.status === "pending" || payment.status === "processing") {
    // Only a succeeded charge can be refunded: the refund is Stripe's word that it succeeded.
    try {
      await changePaymentStatus(ctx, {
        paymentId: payment.id,
        status: "succeeded",
        reason: `${eventLabel(event)}: Stripe refunded it (${refund.id}), so the payment succeeded`,
      });
      notes.push(`Payment ${payment.status} → succeeded`);
    } catch (err) {
      if (isRefusal(err)) return ignored(`Refund ${refund.id} not applied: ${refusalText(err)}`, payment.id);
      throw err;
    }
  }

  const startedHere = Boolean(refund.metadata[STRIPE_REFUND_METADATA.paymentId]);
  const reason = startedHere
    ? `Refund ${refund.id} started in Paydesk, recorded from ${eventLabel(event)}`
    : `Refunded in Stripe (${refund.id}${refund.reason ? `, ${refund.reason}` : ""}), ${eventLabel(event)}`;
  try {
    const result = await refundPayment(
      ctx,
      {
        paymentId: payment.id,
        amount: formatMinor(amount.minor, amount.currency),
        // A Paydesk refund whose webhook arrived first keeps the admin's access choice.
        revokeAccess: startedHere && refund.metadata[STRIPE_REFUND_METADATA.revokeAccess] === "true",
        reason,
      },
      { providerRefundId: refund.id },
    );
    if (result.alreadyRecorded) return ignored(`Refund ${refund.id} is already recorded`, payment.id);
    notes.push(
      `Refunded ${formatMinor(amount.minor, amount.currency)} ${amount.currency} (${refund.id}): payment ${result.payment.status.replace("_", " ")}`,
    );
    return processed(notes.join("; "), payment.id);
  } catch (err) {
    if (isRefusal(err)) {
      const text = `Refund ${refund.id} not applied: ${refusalText(err)}`;
      // A success recorded just above still stands (and is this event's doing).
      return notes.length > 0
        ? processed(`${notes.join("; ")}; ${text}`, payment.id)
        : ignored(text, payment.id);
    }
    throw err;
  }
}
