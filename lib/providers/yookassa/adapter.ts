import type { ProviderAdapter } from "../adapter";
import { callProvider } from "../breaker";
import { ProviderCallError, type ProviderCallOutcome } from "../call-error";
import {
  cancelYooKassaPayment,
  captureYooKassaPayment,
  createYooKassaRefund,
  fetchYooKassaPayment,
  isYooKassaApiError,
  listYooKassaRefunds,
  type YooKassaApiErrorKind,
} from "./api";
import { yookassaRefundTarget, yookassaState } from "./target";

const OUTCOME: Record<YooKassaApiErrorKind, ProviderCallOutcome> = {
  not_configured: "not_sent",
  unavailable: "unknown",
  unauthorized: "refused",
  not_found: "not_found",
  invalid: "unknown",
};

/** The GET helpers the webhook route shares speak YooKassaApiError; the adapter speaks ProviderCallError. */
async function fetchPayment(id: string) {
  try {
    return await callProvider("yookassa", () => fetchYooKassaPayment(id));
  } catch (err) {
    if (isYooKassaApiError(err))
      throw new ProviderCallError("yookassa", OUTCOME[err.kind], err.message, err.status ?? null);
    throw err;
  }
}

function requireId(payment: { providerPaymentId: string | null }): string {
  if (!payment.providerPaymentId) {
    throw new ProviderCallError("yookassa", "refused", "This YooKassa payment has no payment id");
  }
  return payment.providerPaymentId;
}

export const yookassaAdapter: ProviderAdapter = {
  name: "YooKassa",

  async fetchState(id, source) {
    const api = await fetchPayment(id);
    const refunds = await listYooKassaRefunds(id);
    return yookassaState(api, refunds, new Date(), source);
  },

  async refund(payment, refund) {
    const id = requireId(payment);
    if (!refund.idempotencyKey) throw new Error("a provider refund always has its idempotency key");
    const answer = await createYooKassaRefund({
      paymentId: id,
      amountMinor: refund.amountMinor,
      currency: payment.currency,
      idempotenceKey: refund.idempotencyKey,
      description: refund.reason.slice(0, 250),
    });
    if (answer.amount.minor !== refund.amountMinor || answer.amount.currency !== refund.currency) {
      throw new ProviderCallError(
        "yookassa",
        "unknown",
        `YooKassa answered with refund ${answer.id} of another amount than asked: check it in YooKassa`,
      );
    }
    return { provider: "yookassa", providerPaymentId: id, refund: yookassaRefundTarget(answer) };
  },

  async capture(payment, amountMinor, idempotencyKey, source) {
    const api = await captureYooKassaPayment({
      paymentId: requireId(payment),
      ...(amountMinor !== null ? { amountMinor } : {}),
      currency: payment.currency,
      idempotenceKey: idempotencyKey,
    });
    return yookassaState(api, [], new Date(), source);
  },

  async cancel(payment, idempotencyKey, source) {
    const api = await cancelYooKassaPayment({
      paymentId: requireId(payment),
      idempotenceKey: idempotencyKey,
    });
    return yookassaState(api, [], new Date(), source);
  },

  canCapture(payment) {
    return payment.providerStatus === "waiting_for_capture"
      ? null
      : "Only a payment waiting for capture can be captured";
  },

  canCancel(payment) {
    return payment.providerStatus === "waiting_for_capture"
      ? null
      : "YooKassa cancels only a payment waiting for capture";
  },
};
