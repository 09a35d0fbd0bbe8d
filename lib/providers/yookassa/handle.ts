import { nowOf, type ServiceContext } from "@/lib/context";
import { applyProviderState } from "@/lib/payments/apply-provider-state";
import type { HandlerResult, StoredWebhookEvent, WebhookHandler } from "@/lib/webhooks/types";
import { isYooKassaApiError, type YooKassaPaymentStatus } from "./api";
import { yookassaConfig } from "./config";
import { currentLookup, unconfirmed, YooKassaLookup } from "./lookup";
import {
  isPaymentEvent,
  PAYMENT_EVENT_STATUS,
  type PaymentEvent,
  parseNotification,
  REFUND_SUCCEEDED,
} from "./notification";
import { yookassaState } from "./target";

/** How far along YooKassa's own lifecycle a status is (succeeded and canceled are both final). */
const PROGRESS: Record<YooKassaPaymentStatus, number> = {
  pending: 0,
  waiting_for_capture: 1,
  succeeded: 2,
  canceled: 2,
};

/**
 * Applies a stored YooKassa notification. The body is never believed: YooKassa signs
 * nothing, so the handler re-fetches the object from the API and moves the payment to the
 * status the API reports. A notification the API has not caught up with yet applies nothing
 * and stays unsettled, so that its redelivery (or a replay) can apply it later.
 */
export const handleYooKassaEvent: WebhookHandler = async (ctx, event) => {
  const parsed = parseNotification(event.payload);
  if (!parsed.ok) return { outcome: "ignored", reason: parsed.reason };
  const { event: name, objectId } = parsed.notification;
  const lookup = currentLookup() ?? new YooKassaLookup(yookassaConfig());

  try {
    if (isPaymentEvent(name)) return await handlePaymentEvent(ctx, lookup, name, objectId);
    if (name === REFUND_SUCCEEDED) return await handleRefundSucceeded(ctx, lookup, objectId, event);
  } catch (err) {
    // An id YooKassa does not know is a forged or foreign notification, not a failure to retry.
    if (isYooKassaApiError(err) && err.kind === "not_found") {
      return { outcome: "ignored", reason: `${err.message}: nothing applied` };
    }
    throw err;
  }
  return { outcome: "ignored", reason: `Event type ${name} is not handled` };
};

async function handlePaymentEvent(
  ctx: ServiceContext,
  lookup: YooKassaLookup,
  name: PaymentEvent,
  paymentId: string,
): Promise<HandlerResult> {
  const api = await lookup.payment(paymentId);
  const claimed = PAYMENT_EVENT_STATUS[name];
  if (PROGRESS[api.status] < PROGRESS[claimed]) {
    throw unconfirmed(
      lookup,
      `The notification says ${claimed} but YooKassa reports ${api.status}: nothing applied until the API confirms it`,
    );
  }
  const applied = await applyProviderState(
    ctx,
    yookassaState(api, [], nowOf(ctx), `YooKassa ${name}: the API reports ${api.status}`),
  );
  return {
    outcome: applied.changed ? "processed" : "ignored",
    reason: applied.notes.join("; "),
    paymentId: applied.payment?.id ?? null,
  };
}

async function handleRefundSucceeded(
  ctx: ServiceContext,
  lookup: YooKassaLookup,
  refundId: string,
  event: StoredWebhookEvent,
): Promise<HandlerResult> {
  const refund = await lookup.refund(refundId);
  if (refund.status === "pending") {
    throw unconfirmed(
      lookup,
      `The notification says refund ${refund.id} succeeded but YooKassa reports it pending: nothing applied until the API confirms it`,
    );
  }
  // The refund may arrive before any payment notification: the payment comes with it, so a
  // refund is never lost for want of the payment it belongs to.
  const api = await lookup.payment(refund.paymentId);
  const applied = await applyProviderState(
    ctx,
    yookassaState(
      api,
      [refund],
      nowOf(ctx),
      `YooKassa refund.succeeded: the API reports refund ${refund.id} ${refund.status}, the payment ${api.status}`,
    ),
  );
  return {
    outcome: applied.changed ? "processed" : "ignored",
    reason: applied.notes.join("; "),
    paymentId: applied.payment?.id ?? event.paymentId,
  };
}
