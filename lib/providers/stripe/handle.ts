import { and, asc, eq, inArray, isNull, ne } from "drizzle-orm";
import { webhookEvents } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { nowOf } from "@/lib/context";
import type { HandlerResult, StoredWebhookEvent, WebhookHandler } from "@/lib/webhooks/types";
import { ignored, lockIntent } from "./common";
import { handleDisputeCreated } from "./dispute";
import {
  DISPUTE_TYPES,
  PAYMENT_INTENT_TYPES,
  REFUND_TYPES,
  type StripeEventEnvelope,
  shapeProblem,
  stripeEventEnvelope,
  stripeSubjectId,
} from "./event";
import { handlePaymentIntentEvent } from "./payment-intent";
import { handleChargeRefunded, handleRefundEvent, WAITING_FOR_PAYMENT } from "./refund";

const intentTypes: ReadonlySet<string> = new Set(PAYMENT_INTENT_TYPES);
/** Events that need the intent's payment and wait for it when they come first. */
const dependentTypes: readonly string[] = [...REFUND_TYPES, ...DISPUTE_TYPES];

/** Applies a stored, verified Stripe event (see lib/webhooks/apply.ts for the transaction around it). */
export const handleStripeEvent: WebhookHandler = async (ctx, stored) => {
  const parsed = stripeEventEnvelope.safeParse(stored.payload);
  if (!parsed.success) return ignored(`Not a Stripe event (${shapeProblem(parsed.error)})`);
  const event = parsed.data;
  const intentId = stripeSubjectId(event);
  if (intentId) await lockIntent(ctx, intentId);

  if (intentTypes.has(event.type)) {
    const outcome = await handlePaymentIntentEvent(ctx, event);
    if (!outcome.created || !outcome.intentId) return outcome.result;
    const applied = await applyWaitingEvents(ctx, outcome.intentId, stored.id);
    return applied > 0
      ? {
          ...outcome.result,
          reason: `${outcome.result.reason}; applied ${applied} earlier event${applied === 1 ? "" : "s"} that waited for it`,
        }
      : outcome.result;
  }
  return handleDependent(ctx, event);
};

function handleDependent(ctx: ServiceContext, event: StripeEventEnvelope): Promise<HandlerResult> {
  switch (event.type) {
    case "charge.refunded":
      return handleChargeRefunded(ctx, event);
    case "refund.created":
    case "refund.updated":
      return handleRefundEvent(ctx, event);
    case "charge.dispute.created":
      return handleDisputeCreated(ctx, event);
    default:
      return Promise.resolve(ignored(`Stripe ${event.type} events are not handled`));
  }
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

function applyWaiting(ctx: ServiceContext, row: StoredWebhookEvent): Promise<HandlerResult> {
  const parsed = stripeEventEnvelope.safeParse(row.payload);
  if (!parsed.success) return Promise.resolve(ignored(`Not a Stripe event (${shapeProblem(parsed.error)})`));
  return handleDependent(ctx, parsed.data);
}
