import { and, asc, eq, inArray, isNull, ne } from "drizzle-orm";
import { webhookEvents } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { nowOf } from "@/lib/context";
import { applyProviderState, lockProviderPayment } from "@/lib/payments/apply-provider-state";
import type { HandlerResult, StoredWebhookEvent, WebhookHandler } from "@/lib/webhooks/types";
import type { ProviderState } from "../target";
import { eventLabel, ignored } from "./common";
import {
  chargeObject,
  DISPUTE_TYPES,
  disputeObject,
  PAYMENT_INTENT_TYPES,
  paymentIntentObject,
  REFUND_TYPES,
  refundObject,
  type StripeEventEnvelope,
  shapeProblem,
  stripeEventEnvelope,
  stripeSubjectId,
} from "./event";
import { disputeTarget, intentTarget, refundTarget } from "./target";

/** Marks an event that names a PaymentIntent Paydesk has no payment for yet. */
export const WAITING_FOR_PAYMENT = "Waiting for the payment";

const intentTypes: ReadonlySet<string> = new Set(PAYMENT_INTENT_TYPES);
/** Events that need the intent's payment and wait for it when they come first. */
const dependentTypes: readonly string[] = [...REFUND_TYPES, ...DISPUTE_TYPES];

/**
 * Applies a stored, verified Stripe event (lib/webhooks/apply.ts holds the transaction around
 * it). Each event is read for the state of the object it carries, never for its type alone,
 * and applied through `applyProviderState`, so any order and any number of copies converge on
 * what Stripe says: an older snapshot never overwrites a newer one, and refunds and disputes
 * only move forward in their own lifecycles.
 */
export const handleStripeEvent: WebhookHandler = async (ctx, stored) => {
  const parsed = stripeEventEnvelope.safeParse(stored.payload);
  if (!parsed.success) return ignored(`Not a Stripe event (${shapeProblem(parsed.error)})`);
  const event = parsed.data;
  const intentId = stripeSubjectId(event);
  // Two events about one intent never interleave, so "no payment yet, wait" and "payment
  // recorded, apply what waited" cannot miss each other; applyProviderState reuses the lock.
  if (intentId) await lockProviderPayment(ctx.db, "stripe", intentId);

  const result = await handleEvent(ctx, event);
  if (!intentTypes.has(event.type) || !result.created || !intentId) return result.handler;
  const applied = await applyWaitingEvents(ctx, intentId, stored.id);
  return applied > 0
    ? {
        ...result.handler,
        reason: `${result.handler.reason}; applied ${applied} earlier event${applied === 1 ? "" : "s"} that waited for it`,
      }
    : result.handler;
};

interface Handled {
  handler: HandlerResult;
  created: boolean;
}

function observedAt(ctx: ServiceContext, event: StripeEventEnvelope): Date {
  return typeof event.created === "number" ? new Date(event.created * 1000) : nowOf(ctx);
}

async function handleEvent(ctx: ServiceContext, event: StripeEventEnvelope): Promise<Handled> {
  const state = stateOf(ctx, event);
  if (!state.ok) return { handler: ignored(state.reason), created: false };
  const payment = state.value.payment;
  if (
    event.type === "payment_intent.created" &&
    (payment?.providerStatus === "requires_payment_method" ||
      payment?.providerStatus === "requires_confirmation") &&
    !payment.lastError
  ) {
    // The first snapshot of every checkout: nothing attempted, nothing to record, and never
    // newer than anything recorded about the intent since. No database work at all.
    return {
      handler: ignored(
        `PaymentIntent ${state.value.providerPaymentId} created: recorded at its first payment attempt`,
      ),
      created: false,
    };
  }
  // handleStripeEvent holds the intent's lock (the same key) for the whole delivery.
  const applied = await applyProviderState(ctx, state.value, { providerLocked: true });
  const reason = applied.notes.join("; ");
  if (applied.waiting) {
    return {
      handler: ignored(
        `${WAITING_FOR_PAYMENT}: no payment is recorded for PaymentIntent ${state.value.providerPaymentId} yet; this ${event.type} is applied when it is`,
      ),
      created: false,
    };
  }
  return {
    handler: {
      outcome: applied.changed ? "processed" : "ignored",
      reason,
      paymentId: applied.payment?.id ?? null,
    },
    created: applied.created,
  };
}

type StateResult = { ok: true; value: ProviderState } | { ok: false; reason: string };

/** What one event says about its PaymentIntent, in Paydesk's terms. */
function stateOf(ctx: ServiceContext, event: StripeEventEnvelope): StateResult {
  const base = { provider: "stripe" as const, observedAt: observedAt(ctx, event), source: eventLabel(event) };
  const object = event.data.object;
  if (intentTypes.has(event.type)) {
    const intent = paymentIntentObject.safeParse(object);
    if (!intent.success)
      return { ok: false, reason: `data.object is not a PaymentIntent (${shapeProblem(intent.error)})` };
    const target = intentTarget(intent.data, event.type);
    if (!target.ok) return target;
    return {
      ok: true,
      value: { ...base, providerPaymentId: intent.data.id, payment: target.value, refunds: [], disputes: [] },
    };
  }
  if (event.type === "charge.refunded") {
    const charge = chargeObject.safeParse(object);
    if (!charge.success)
      return { ok: false, reason: `data.object is not a charge (${shapeProblem(charge.error)})` };
    if (!charge.data.payment_intent)
      return { ok: false, reason: `Charge ${charge.data.id} belongs to no PaymentIntent` };
    // Current API versions leave the refunds out: each arrives as its own refund.* event.
    const listed = (charge.data.refunds?.data ?? []).flatMap((item) => {
      const r = refundObject.safeParse(item);
      return r.success ? [r.data] : [];
    });
    if (listed.length === 0) {
      return {
        ok: false,
        reason: `Charge ${charge.data.id} lists no refunds: each refund is applied from its own refund.* event`,
      };
    }
    const targets = [];
    for (const r of listed) {
      const t = refundTarget(r);
      if (!t.ok) return t;
      targets.push(t.value);
    }
    return {
      ok: true,
      value: { ...base, providerPaymentId: charge.data.payment_intent, refunds: targets, disputes: [] },
    };
  }
  if ((REFUND_TYPES as readonly string[]).includes(event.type)) {
    const refund = refundObject.safeParse(object);
    if (!refund.success)
      return { ok: false, reason: `data.object is not a refund (${shapeProblem(refund.error)})` };
    if (!refund.data.payment_intent)
      return { ok: false, reason: `Refund ${refund.data.id} belongs to no PaymentIntent` };
    const target = refundTarget(refund.data);
    if (!target.ok) return target;
    return {
      ok: true,
      value: {
        ...base,
        providerPaymentId: refund.data.payment_intent,
        refunds: [target.value],
        disputes: [],
      },
    };
  }
  if ((DISPUTE_TYPES as readonly string[]).includes(event.type)) {
    const dispute = disputeObject.safeParse(object);
    if (!dispute.success)
      return { ok: false, reason: `data.object is not a dispute (${shapeProblem(dispute.error)})` };
    if (!dispute.data.payment_intent)
      return { ok: false, reason: `Dispute ${dispute.data.id} belongs to no PaymentIntent` };
    const target = disputeTarget(dispute.data, event.type);
    if (!target.ok) return target;
    return {
      ok: true,
      value: {
        ...base,
        providerPaymentId: dispute.data.payment_intent,
        refunds: [],
        disputes: [target.value],
      },
    };
  }
  return {
    ok: false,
    reason: stripeUnhandledType(event.type) ?? `Stripe ${event.type} events are not handled`,
  };
}

const handledTypes: ReadonlySet<string> = new Set([
  ...PAYMENT_INTENT_TYPES,
  ...REFUND_TYPES,
  ...DISPUTE_TYPES,
]);

/**
 * Why an event of this type changes nothing, whatever it carries; null for the types the handler
 * reads. Lets ingestion store such an event as ignored in one statement (lib/webhooks/ingest.ts).
 */
export function stripeUnhandledType(type: string): string | null {
  return handledTypes.has(type) ? null : `Stripe ${type} events are not handled`;
}

/**
 * Refunds and disputes that arrived before any event about their PaymentIntent were stored
 * as waiting; once the intent's payment is recorded they are applied, oldest first, in the
 * same transaction, so the end state does not depend on the order Stripe delivered in.
 */
async function applyWaitingEvents(ctx: ServiceContext, intentId: string, currentId: string): Promise<number> {
  const waiting = await ctx.db
    .select()
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.provider, "stripe"),
        eq(webhookEvents.subjectId, intentId),
        ne(webhookEvents.id, currentId),
        eq(webhookEvents.outcome, "ignored"),
        isNull(webhookEvents.paymentId),
        inArray(webhookEvents.type, dependentTypes),
      ),
    )
    .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.id))
    // A replay holding one of them applies it itself.
    .for("update", { skipLocked: true });

  let applied = 0;
  for (const row of waiting) {
    if (!row.outcomeReason?.startsWith(WAITING_FOR_PAYMENT)) continue;
    const result = await applyWaiting(ctx, row);
    await ctx.db
      .update(webhookEvents)
      .set({
        outcome: result.outcome,
        outcomeReason: result.reason ? `${result.reason} (applied once the payment was recorded)` : null,
        paymentId: result.paymentId ?? null,
        processedAt: nowOf(ctx),
        attempts: row.attempts + 1,
        error: null,
      })
      .where(eq(webhookEvents.id, row.id));
    applied++;
  }
  return applied;
}

async function applyWaiting(ctx: ServiceContext, row: StoredWebhookEvent): Promise<HandlerResult> {
  const parsed = stripeEventEnvelope.safeParse(row.payload);
  if (!parsed.success) return ignored(`Not a Stripe event (${shapeProblem(parsed.error)})`);
  return (await handleEvent(ctx, parsed.data)).handler;
}
