import type { ProviderAdapter } from "../adapter";
import { ProviderCallError } from "../call-error";
import type { ProviderState } from "../target";
import { cancelStripeIntent, captureStripeIntent, createStripeRefund, fetchStripeIntentState } from "./api";
import { disputeObject, paymentIntentObject, refundObject, shapeProblem } from "./event";
import { refundTarget, STRIPE_REFUND_METADATA, stripeState } from "./target";

/** Stripe's answer could not be read as what was asked for. */
function unreadable(what: string, problem: string): ProviderCallError {
  return new ProviderCallError("stripe", "unknown", `Stripe's answer is not a readable ${what} (${problem})`);
}

function intentState(raw: unknown, refunds: unknown[], disputes: unknown[], source: string): ProviderState {
  const intent = paymentIntentObject.safeParse(raw);
  if (!intent.success) throw unreadable("PaymentIntent", shapeProblem(intent.error));
  const parsedRefunds = refunds.map((r) => {
    const p = refundObject.safeParse(r);
    if (!p.success) throw unreadable("refund", shapeProblem(p.error));
    return p.data;
  });
  const parsedDisputes = disputes.map((d) => {
    const p = disputeObject.safeParse(d);
    if (!p.success) throw unreadable("dispute", shapeProblem(p.error));
    return p.data;
  });
  const state = stripeState(intent.data, parsedRefunds, parsedDisputes, new Date(), source);
  if (!state.ok) throw unreadable("PaymentIntent", state.reason);
  return state.value;
}

function requireIntent(payment: { providerPaymentId: string | null }): string {
  if (!payment.providerPaymentId) {
    throw new ProviderCallError("stripe", "refused", "This Stripe payment has no PaymentIntent id");
  }
  return payment.providerPaymentId;
}

export const stripeAdapter: ProviderAdapter = {
  name: "Stripe",

  async fetchState(intentId, source) {
    const fetched = await fetchStripeIntentState(intentId);
    return intentState(fetched.intent, fetched.refunds, fetched.disputes, source);
  },

  async refund(payment, refund) {
    const intentId = requireIntent(payment);
    if (!refund.idempotencyKey) throw new Error("a provider refund always has its idempotency key");
    const raw = await createStripeRefund({
      paymentIntentId: intentId,
      amountMinor: refund.amountMinor,
      currency: payment.currency,
      idempotencyKey: refund.idempotencyKey,
      metadata: {
        [STRIPE_REFUND_METADATA.refundId]: refund.id,
        [STRIPE_REFUND_METADATA.paymentId]: payment.id,
        [STRIPE_REFUND_METADATA.revokeAccess]: refund.revokedAccess ? "true" : "false",
      },
    });
    const parsed = refundObject.safeParse(raw);
    if (!parsed.success) throw unreadable("refund", shapeProblem(parsed.error));
    const target = refundTarget(parsed.data);
    if (!target.ok) throw unreadable("refund", target.reason);
    if (target.value.amountMinor !== refund.amountMinor || target.value.currency !== refund.currency) {
      throw new ProviderCallError(
        "stripe",
        "unknown",
        `Stripe answered with refund ${parsed.data.id} of another amount than asked: check it in Stripe's dashboard`,
      );
    }
    return { provider: "stripe", providerPaymentId: intentId, refund: target.value };
  },

  async capture(payment, amountMinor, idempotencyKey, source) {
    const intentId = requireIntent(payment);
    const raw = await captureStripeIntent({
      intentId,
      ...(amountMinor !== null ? { amountMinor } : {}),
      currency: payment.currency,
      idempotencyKey,
    });
    return intentState(raw, [], [], source);
  },

  async cancel(payment, idempotencyKey, source) {
    const raw = await cancelStripeIntent({ intentId: requireIntent(payment), idempotencyKey });
    return intentState(raw, [], [], source);
  },

  canCapture(payment) {
    return payment.providerStatus === "requires_capture"
      ? null
      : "Only an authorised PaymentIntent (requires capture) can be captured";
  },

  canCancel(payment) {
    return payment.status === "pending" || payment.status === "processing"
      ? payment.providerStatus === "processing"
        ? "Stripe cannot cancel a PaymentIntent while it is processing"
        : null
      : "Only an open PaymentIntent can be canceled";
  },
};
