import { and, eq, isNull } from "drizzle-orm";
import { type Payment, payments, refunds } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { actorLabel, assertCan, nowOf, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { providerAdapter, providerName } from "../providers/adapter";
import { isProviderCallError } from "../providers/call-error";
import { parseInput } from "../validation/parse";
import { type PaymentIdInput, paymentIdInput } from "../validation/payment";
import { type ApplyProviderResult, applyProviderState } from "./apply-provider-state";
import { lockPayment } from "./lock";
import { REFUND_RESEND_WINDOW_MS, sendRefund } from "./refund";

export interface SyncResult extends ApplyProviderResult {
  payment: Payment;
}

/**
 * Sync: asks the provider what a payment is now (status, captured amount, refunds, disputes)
 * and applies it through `applyProviderState`, audited as whoever asked (a person, or
 * `system:reconciler`). Refunds started here whose answer was lost are first resolved: Stripe's
 * refund list carries their Paydesk id; otherwise the request is sent again with its own key
 * (within the provider's 24-hour key window), which returns the refund made the first time.
 */
export async function syncPayment(
  ctx: ServiceContext,
  raw: PaymentIdInput,
  options: { resendRefunds?: boolean } = {},
): Promise<SyncResult> {
  assertCan(ctx, "payment.sync");
  const input = parseInput(paymentIdInput, raw);
  const [payment] = await ctx.db.select().from(payments).where(eq(payments.id, input.paymentId));
  if (!payment) throw ServiceError.notFound(`No payment with id ${input.paymentId}`);
  if (payment.provider === "manual" || !payment.providerPaymentId) {
    throw new ServiceError("invalid_transition", "A manual payment has no provider to sync with");
  }
  const name = providerName(payment.provider);
  const adapter = providerAdapter(payment.provider);
  const who = ctx.actor.type === "staff" ? actorLabel(ctx.actor) : ctx.actor.id;
  const source = `Sync from ${name} by ${who}${input.reason ? `: ${input.reason}` : ""}`;

  const state = await adapter.fetchState(payment.providerPaymentId, source);
  const listed = new Set(state.refunds.map((r) => r.paydeskRefundId).filter(Boolean));
  const now = nowOf(ctx);
  const unconfirmed = await ctx.db
    .select()
    .from(refunds)
    .where(
      and(eq(refunds.paymentId, payment.id), eq(refunds.status, "pending"), isNull(refunds.providerRefundId)),
    );
  const notes: string[] = [];
  for (const refund of unconfirmed) {
    if (listed.has(refund.id)) continue;
    if (options.resendRefunds === false) {
      notes.push(`Refund ${refund.id} is unconfirmed: it would be sent again with its key`);
      continue;
    }
    if (now.getTime() - refund.createdAt.getTime() > REFUND_RESEND_WINDOW_MS) {
      notes.push(
        `Refund ${refund.id} is still unconfirmed after the provider's key window: check it at ${name} before anything else`,
      );
      continue;
    }
    try {
      const sent = await sendRefund(ctx, payment, refund, { firstAttempt: false });
      notes.push(`Refund ${refund.id} sent again with its key: ${sent.message}`);
    } catch (err) {
      if (!isProviderCallError(err) && !(err instanceof ServiceError)) throw err;
      notes.push(`Refund ${refund.id}: ${(err as Error).message}`);
    }
  }

  const applied = await applyProviderState(ctx, state, { fetched: true });
  if (!applied.payment) throw new ServiceError("provider_error", applied.notes.join("; "));
  await recordSync(ctx, applied.payment, [...notes, ...applied.notes], input.reason ?? null, now);
  return { ...applied, payment: applied.payment, notes: [...notes, ...applied.notes] };
}

/** The sync itself is audited, also when it found nothing to change. */
async function recordSync(
  ctx: ServiceContext,
  payment: Payment,
  notes: string[],
  reason: string | null,
  now: Date,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const locked = await lockPayment(tx, payment.id);
    await appendAudit(
      tx,
      ctx,
      {
        action: "payment.sync",
        entityType: "payment",
        entityId: locked.id,
        before: null,
        after: {
          status: locked.status,
          providerStatus: locked.providerStatus,
          refundedMinor: locked.refundedMinor,
          disputed: locked.disputed,
          syncedAt: now,
          notes,
        },
        reason: reason ?? `Sync from ${providerName(locked.provider)}`,
      },
      { entityLocked: true },
    );
  });
}
