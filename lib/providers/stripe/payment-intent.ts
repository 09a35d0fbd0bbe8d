import type { PaymentMethod, PaymentStatus } from "@/db/schema/enums";
import type { ServiceContext } from "@/lib/context";
import { findCustomer } from "@/lib/customers/resolve";
import { formatMinor } from "@/lib/money/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { recordProviderPayment } from "@/lib/payments/create";
import type { HandlerResult } from "@/lib/webhooks/types";
import { fromStripeAmount } from "./amount";
import { eventLabel, findStripePayment, ignored, isRefusal, processed, refusalText } from "./common";
import {
  type PAYMENT_INTENT_TYPES,
  paymentIntentObject,
  type StripeEventEnvelope,
  shapeProblem,
} from "./event";

const TARGET: Record<
  (typeof PAYMENT_INTENT_TYPES)[number],
  Exclude<PaymentStatus, "partially_refunded" | "refunded">
> = {
  "payment_intent.processing": "processing",
  "payment_intent.succeeded": "succeeded",
  "payment_intent.payment_failed": "failed",
  "payment_intent.canceled": "canceled",
};

/** What a PaymentIntent event did, and whether it recorded the intent's payment just now. */
export interface IntentOutcome {
  result: HandlerResult;
  intentId: string | null;
  created: boolean;
}

function why(
  event: StripeEventEnvelope,
  intent: { last_payment_error?: { message?: string } | null; cancellation_reason?: string | null },
): string {
  const detail =
    event.type === "payment_intent.payment_failed"
      ? intent.last_payment_error?.message
      : event.type === "payment_intent.canceled"
        ? intent.cancellation_reason
        : null;
  return detail ? `${eventLabel(event)}: ${detail}` : eventLabel(event);
}

function methodOf(types: string[] | undefined): PaymentMethod {
  return !types || types.length === 0 || types.includes("card") ? "card" : "other";
}

/**
 * `payment_intent.processing|succeeded|payment_failed|canceled`. The first event about an
 * intent records its payment for the customer and plan in its metadata; later ones move it
 * through the state machine. A move the state machine refuses (a late failure after a
 * success) changes nothing and is recorded as ignored with the reason.
 */
export async function handlePaymentIntentEvent(
  ctx: ServiceContext,
  event: StripeEventEnvelope,
): Promise<IntentOutcome> {
  const type = event.type as keyof typeof TARGET;
  const target = TARGET[type];
  const parsed = paymentIntentObject.safeParse(event.data.object);
  if (!parsed.success) {
    return {
      result: ignored(`data.object is not a PaymentIntent (${shapeProblem(parsed.error)})`),
      intentId: null,
      created: false,
    };
  }
  const intent = parsed.data;
  const reason = why(event, intent);
  const done = (result: HandlerResult, created = false): IntentOutcome => ({
    result,
    intentId: intent.id,
    created,
  });

  let payment = await findStripePayment(ctx.db, intent.id);
  if (!payment) {
    const customerRef = intent.metadata.paydesk_customer?.trim();
    if (!customerRef) {
      return done(
        ignored(`PaymentIntent ${intent.id} names no customer (metadata.paydesk_customer is missing)`),
      );
    }
    const customer = await findCustomer(ctx.db, customerRef);
    if (!customer) {
      return done(
        ignored(
          `No customer matches metadata.paydesk_customer "${customerRef}" of PaymentIntent ${intent.id}`,
        ),
      );
    }
    const amount = fromStripeAmount(intent.amount, intent.currency);
    if (!amount.ok) return done(ignored(`PaymentIntent ${intent.id}: ${amount.error}`));
    const plan = intent.metadata.paydesk_plan?.trim() || null;
    try {
      const recorded = await recordProviderPayment(ctx, {
        provider: "stripe",
        providerPaymentId: intent.id,
        customer: customer.id,
        plan,
        amountMinor: amount.minor,
        currency: amount.currency,
        status: target,
        method: methodOf(intent.payment_method_types),
        description: intent.description ? intent.description.slice(0, 500) : null,
        metadata: {
          stripe_payment_intent: intent.id,
          paydesk_customer: customerRef.slice(0, 254),
          ...(plan ? { paydesk_plan: plan.slice(0, 50) } : {}),
        },
      });
      if (recorded.created) {
        const money = `${formatMinor(amount.minor, amount.currency)} ${amount.currency}`;
        return done(
          processed(`Recorded a ${target} payment of ${money} for ${customer.email}`, recorded.payment.id),
          true,
        );
      }
      payment = recorded.payment;
    } catch (err) {
      if (isRefusal(err))
        return done(ignored(`PaymentIntent ${intent.id} not recorded: ${refusalText(err)}`));
      throw err;
    }
  }

  try {
    const moved = await changePaymentStatus(ctx, { paymentId: payment.id, status: target, reason });
    if (!moved.changed)
      return done(ignored(`The payment is already ${target}: nothing to change`, payment.id));
    return done(processed(`Payment ${moved.previousStatus} → ${target}`, payment.id));
  } catch (err) {
    if (isRefusal(err)) {
      return done(
        ignored(
          `Not applied: the payment is ${payment.status.replace("_", " ")} here and ${lowerFirst(refusalText(err))}`,
          payment.id,
        ),
      );
    }
    throw err;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
