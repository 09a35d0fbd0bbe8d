import type { ServiceContext } from "@/lib/context";
import { formatMinor } from "@/lib/money/money";
import { flagPaymentDisputed } from "@/lib/payments/dispute";
import type { HandlerResult } from "@/lib/webhooks/types";
import { fromStripeAmount } from "./amount";
import { eventLabel, findStripePayment, ignored, processed } from "./common";
import { disputeObject, type StripeEventEnvelope, shapeProblem } from "./event";
import { waitingFor } from "./refund";

/** `charge.dispute.created`: flags the payment and puts the dispute on its timeline. */
export async function handleDisputeCreated(
  ctx: ServiceContext,
  event: StripeEventEnvelope,
): Promise<HandlerResult> {
  const parsed = disputeObject.safeParse(event.data.object);
  if (!parsed.success) return ignored(`data.object is not a dispute (${shapeProblem(parsed.error)})`);
  const dispute = parsed.data;
  if (!dispute.payment_intent) return ignored(`Dispute ${dispute.id} belongs to no PaymentIntent`);
  const payment = await findStripePayment(ctx.db, dispute.payment_intent);
  if (!payment) return waitingFor(dispute.payment_intent, `dispute ${dispute.id}`);

  const amount = fromStripeAmount(dispute.amount, dispute.currency);
  const result = await flagPaymentDisputed(ctx, {
    paymentId: payment.id,
    disputeId: dispute.id,
    amountMinor: amount.ok ? amount.minor : 0n,
    currency: amount.ok ? amount.currency : payment.currency,
    disputeReason: dispute.reason ?? null,
    status: dispute.status ?? null,
    reason: `${eventLabel(event)}: the customer disputed the payment${dispute.reason ? ` (${dispute.reason})` : ""}`,
  });
  if (!result.flagged)
    return ignored(`The payment is already flagged as disputed (dispute ${dispute.id})`, payment.id);
  const money = amount.ok ? ` for ${formatMinor(amount.minor, amount.currency)} ${amount.currency}` : "";
  return processed(`Dispute ${dispute.id}${money} flagged on the payment`, payment.id);
}
