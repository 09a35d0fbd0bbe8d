import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { type Payment, payments } from "@/db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { createStripeRefund } from "../providers/stripe/refund-api";
import { requireRefundPlan } from "./refund-rule";

/** Stripe metadata keys Paydesk puts on a refund it starts (read back by the refund webhooks). */
export const STRIPE_REFUND_METADATA = {
  paymentId: "paydesk_payment",
  revokeAccess: "paydesk_revoke_access",
} as const;

/**
 * The idempotency key of a refund request: the payment, what was refunded before it, the
 * amount and the access choice. A retry of the same request (a double click, a timeout
 * followed by "try again", two admins at once) has the same key, so the provider answers
 * with the first refund instead of making a second one; once that refund is recorded the
 * refunded total moves on, and a new refund gets a new key.
 */
export function refundIdempotencyKey(
  payment: Pick<Payment, "id" | "refundedMinor">,
  amountMinor: bigint,
  revokeAccess: boolean,
): string {
  const content = `paydesk-refund:v1:${payment.id}:${payment.refundedMinor}:${amountMinor}:${revokeAccess ? 1 : 0}`;
  return `paydesk-refund-${createHash("sha256").update(content).digest("hex")}`;
}

interface ParsedRefund {
  paymentId: string;
  amount?: string | null;
  revokeAccess: boolean;
}

/**
 * Has the provider that holds a payment's money refund it, before anything changes here.
 * Returns the provider's refund id, or null when the payment is not one a connected
 * provider refunds (manual payments; the refund verb refuses the others).
 *
 * Runs outside any transaction and takes no lock: the refund verb re-checks everything
 * under the payment's lock afterwards, and recognises a refund the provider's webhook has
 * recorded meanwhile.
 */
export async function refundAtProvider(ctx: ServiceContext, input: ParsedRefund): Promise<string | null> {
  const [payment] = await ctx.db.select().from(payments).where(eq(payments.id, input.paymentId));
  if (payment?.provider !== "stripe") return null;
  // The same refusals as the verb, before the provider is bothered.
  const { amountMinor } = requireRefundPlan(payment, input.amount);
  if (!payment.providerPaymentId) {
    throw new ServiceError("provider_error", "This Stripe payment has no PaymentIntent id to refund");
  }
  const accepted = await createStripeRefund({
    paymentIntentId: payment.providerPaymentId,
    amountMinor,
    currency: payment.currency,
    idempotencyKey: refundIdempotencyKey(payment, amountMinor, input.revokeAccess),
    metadata: {
      [STRIPE_REFUND_METADATA.paymentId]: payment.id,
      [STRIPE_REFUND_METADATA.revokeAccess]: input.revokeAccess ? "true" : "false",
    },
  });
  if (accepted.amountMinor !== null && accepted.amountMinor !== amountMinor) {
    // Only possible if the key was reused for another amount, which the key's content rules out.
    throw new ServiceError(
      "provider_error",
      `Stripe answered with refund ${accepted.id} of a different amount; check it in Stripe's dashboard`,
    );
  }
  return accepted.id;
}
