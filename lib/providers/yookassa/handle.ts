import { and, eq, sql } from "drizzle-orm";
import { type Payment, payments, refunds } from "@/db/schema";
import type { PaymentMethod } from "@/db/schema/enums";
import type { ServiceContext } from "@/lib/context";
import { formatMinor } from "@/lib/money/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { recordProviderPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { isRefusal, refusalText } from "@/lib/providers/stripe/common";
import type { HandlerResult, StoredWebhookEvent, WebhookHandler } from "@/lib/webhooks/types";
import { isYooKassaApiError, type YooKassaPayment, type YooKassaPaymentStatus } from "./api";
import { yookassaConfig } from "./config";
import { currentLookup, unconfirmed, YooKassaLookup } from "./lookup";
import {
  isPaymentEvent,
  PAYMENT_EVENT_STATUS,
  type PaymentEvent,
  parseNotification,
  REFUND_SUCCEEDED,
} from "./notification";

/** YooKassa's payment statuses in Paydesk's machine; waiting_for_capture is money on hold. */
const LOCAL_STATUS: Record<YooKassaPaymentStatus, "pending" | "processing" | "succeeded" | "canceled"> = {
  pending: "pending",
  waiting_for_capture: "processing",
  succeeded: "succeeded",
  canceled: "canceled",
};

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
  await lockYooKassaPayment(ctx, api.id);
  const sync = await syncPayment(ctx, api, `YooKassa ${name}: the API reports ${api.status}`);
  return { outcome: sync.changed ? "processed" : "ignored", reason: sync.summary, paymentId: sync.paymentId };
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
  if (refund.status !== "succeeded") {
    return {
      outcome: "ignored",
      reason: `YooKassa reports refund ${refund.id} ${refund.status}: nothing applied`,
      paymentId: event.paymentId,
    };
  }
  await lockYooKassaPayment(ctx, refund.paymentId);
  const [recorded] = await ctx.db
    .select({ paymentId: refunds.paymentId })
    .from(refunds)
    .where(and(eq(refunds.provider, "yookassa"), eq(refunds.providerRefundId, refund.id)));
  if (recorded) {
    return {
      outcome: "ignored",
      reason: `Refund ${refund.id} is already recorded`,
      paymentId: recorded.paymentId,
    };
  }

  // The refund may arrive before any payment notification: bring the payment up to date
  // first, so that a refund is never lost for want of the payment it belongs to.
  const api = await lookup.payment(refund.paymentId);
  const sync = await syncPayment(
    ctx,
    api,
    `YooKassa refund.succeeded: the API reports the payment ${api.status}`,
  );
  const payment = sync.paymentId ? await findLocal(ctx, api.id) : null;
  const notApplied = (why: string): HandlerResult => {
    const text = `Refund ${refund.id} not applied: ${why}`;
    return {
      outcome: sync.changed ? "processed" : "ignored",
      reason: sync.changed ? `${sync.summary}; ${text}` : text,
      paymentId: payment?.id ?? null,
    };
  };
  if (!payment) return notApplied(sync.summary);
  if (payment.status !== "succeeded" && payment.status !== "partially_refunded") {
    return notApplied(`the payment is ${payment.status.replace("_", " ")} here`);
  }
  if (refund.amount.currency !== payment.currency) {
    return notApplied(`the refund is in ${refund.amount.currency}, the payment in ${payment.currency}`);
  }

  try {
    const result = await refundPayment(
      ctx,
      {
        paymentId: payment.id,
        amount: formatMinor(refund.amount.minor, refund.amount.currency),
        // A partial refund keeps access (the domain rule); a full one revokes it by itself.
        revokeAccess: false,
        reason: refundReason(refund.id, refund.description),
      },
      { providerRefundId: refund.id },
    );
    if (result.alreadyRecorded) return notApplied("it is already recorded");
    const summary = `Refunded ${refund.amount.value} ${refund.amount.currency} (refund ${refund.id}): payment ${result.payment.status.replace("_", " ")}`;
    return {
      outcome: "processed",
      reason: sync.changed ? `${sync.summary}; ${summary}` : summary,
      paymentId: payment.id,
    };
  } catch (err) {
    if (isRefusal(err)) return notApplied(refusalText(err));
    throw err;
  }
}

function refundReason(refundId: string, description: string | null): string {
  const base = `Refunded in YooKassa (refund ${refundId})`;
  return (description ? `${base}: ${description}` : base).slice(0, 500);
}

interface SyncResult {
  /** Whether anything was written (a payment recorded or its status moved). */
  changed: boolean;
  summary: string;
  paymentId: string | null;
}

/** Brings the local copy of a YooKassa payment to the status the API reports. */
async function syncPayment(ctx: ServiceContext, api: YooKassaPayment, reason: string): Promise<SyncResult> {
  const target = LOCAL_STATUS[api.status];
  let local = await findLocal(ctx, api.id);
  if (!local) {
    const customer = api.metadata.paydesk_customer?.trim();
    if (!customer) {
      return {
        changed: false,
        summary: `YooKassa payment ${api.id} names no customer (metadata.paydesk_customer): not recorded`,
        paymentId: null,
      };
    }
    try {
      const created = await recordProviderPayment(ctx, {
        provider: "yookassa",
        providerPaymentId: api.id,
        customer,
        plan: api.metadata.paydesk_plan?.trim() || null,
        amountMinor: api.amount.minor,
        currency: api.amount.currency,
        status: target,
        method: methodOf(api.methodType),
        description: api.description?.slice(0, 500) || null,
        metadata: metadataOf(api),
      });
      if (created.created) {
        return {
          changed: true,
          summary: `Recorded YooKassa payment ${api.id} as ${target}`,
          paymentId: created.payment.id,
        };
      }
      // Another event about this payment recorded it at the same moment: move that one.
      local = created.payment;
    } catch (err) {
      if (!isRefusal(err)) throw err;
      return {
        changed: false,
        summary: `YooKassa payment ${api.id} not recorded: ${refusalText(err)}`,
        paymentId: null,
      };
    }
  }

  try {
    const moved = await changePaymentStatus(ctx, { paymentId: local.id, status: target, reason });
    return moved.changed
      ? { changed: true, summary: `Payment ${moved.previousStatus} → ${target}`, paymentId: local.id }
      : { changed: false, summary: `Payment already ${target}`, paymentId: local.id };
  } catch (err) {
    if (!isRefusal(err)) throw err;
    return {
      changed: false,
      summary: `YooKassa reports ${api.status}, the payment is ${local.status.replace("_", " ")} here: ${refusalText(err)}`,
      paymentId: local.id,
    };
  }
}

/**
 * Serialises the events of one YooKassa payment until the application commits (a refund
 * event locks the payment it refunds): two of them never both find "no payment yet".
 */
async function lockYooKassaPayment(ctx: ServiceContext, paymentId: string): Promise<void> {
  await ctx.db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`yookassa:payment:${paymentId}`}, 0))`,
  );
}

async function findLocal(ctx: ServiceContext, providerPaymentId: string): Promise<Payment | null> {
  const [row] = await ctx.db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, "yookassa"), eq(payments.providerPaymentId, providerPaymentId)));
  return row ?? null;
}

function methodOf(type: string | null): PaymentMethod | null {
  if (!type) return null;
  return type === "bank_card" ? "card" : "other";
}

/** The payment's own metadata, plus where it came from; bounded like every payment's metadata. */
function metadataOf(
  api: YooKassaPayment,
): Record<string, string | { methodType: string | null; test: boolean }> {
  const own = Object.fromEntries(
    Object.entries(api.metadata).filter(([k, v]) => k.length > 0 && k.length <= 100 && v.length <= 512),
  );
  const source = { yookassa: { methodType: api.methodType, test: api.test } };
  const all = { ...own, ...source };
  return JSON.stringify(all).length <= 4000 ? all : source;
}
