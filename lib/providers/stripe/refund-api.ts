import Stripe from "stripe";
import { ServiceError } from "@/lib/errors";
import { fromStripeAmount, toStripeAmount } from "./amount";
import { stripeClient } from "./client";

export interface StripeRefundRequest {
  paymentIntentId: string;
  /** Paydesk minor units (ISO 4217) of `currency`; converted to Stripe's units here. */
  amountMinor: bigint;
  currency: string;
  /** Same key for a retry of the same Paydesk refund: Stripe then answers with the first refund. */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface StripeRefundAccepted {
  id: string;
  status: string;
  /** What Stripe says it refunds, in Paydesk minor units (null if Stripe's answer cannot be read). */
  amountMinor: bigint | null;
}

/**
 * Asks Stripe to refund (part of) a PaymentIntent. Resolves only when Stripe accepted the
 * refund; otherwise throws a ServiceError carrying Stripe's own message:
 * `provider_unavailable` when Stripe could not be reached or answered with a server error
 * (safe to try again: same key), `provider_error` when Stripe refused the refund.
 */
export async function createStripeRefund(request: StripeRefundRequest): Promise<StripeRefundAccepted> {
  let amount: number;
  try {
    amount = toStripeAmount(request.amountMinor, request.currency);
  } catch {
    throw ServiceError.field("amount", `Stripe takes only whole amounts of ${request.currency}`);
  }
  const stripe = stripeClient();
  let refund: Stripe.Refund;
  try {
    refund = await stripe.refunds.create(
      {
        payment_intent: request.paymentIntentId,
        amount,
        metadata: request.metadata,
      },
      { idempotencyKey: request.idempotencyKey },
    );
  } catch (err) {
    throw refundError(err);
  }
  if (refund.status === "failed" || refund.status === "canceled") {
    const why = refund.failure_reason ? `: ${refund.failure_reason}` : "";
    throw new ServiceError(
      "provider_error",
      `Stripe did not refund (refund ${refund.id} ${refund.status}${why})`,
    );
  }
  const accepted = fromStripeAmount(refund.amount, refund.currency);
  return {
    id: refund.id,
    status: refund.status ?? "succeeded",
    amountMinor: accepted.ok && accepted.currency === request.currency ? accepted.minor : null,
  };
}

function refundError(err: unknown): ServiceError {
  if (err instanceof Stripe.errors.StripeConnectionError) {
    return new ServiceError(
      "provider_unavailable",
      `Stripe did not answer (${err.message}); nothing was refunded. Try again: the retry cannot refund twice.`,
    );
  }
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode ?? 0;
    if (
      status >= 500 ||
      status === 429 ||
      err.type === "StripeAPIError" ||
      err.type === "StripeRateLimitError"
    ) {
      return new ServiceError(
        "provider_unavailable",
        `Stripe could not take the refund right now (${err.message}); nothing was refunded. Try again.`,
      );
    }
    return new ServiceError("provider_error", `Stripe refused the refund: ${err.message}`);
  }
  if (err instanceof ServiceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ServiceError("provider_unavailable", `Stripe did not answer (${message}); nothing was refunded`);
}
