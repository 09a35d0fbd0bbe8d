import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { type Payment, payments, type Refund, refunds } from "@/db/schema";
import { enabledRules, isHeldChannel, matchRefund } from "../approvals/match";
import { refundPreview } from "../approvals/previews";
import { holdForApproval } from "../approvals/request";
import { type ApprovalGrant, type AwaitingApproval, approvalNote } from "../approvals/types";
import { appendAudit } from "../audit/append";
import { actorLabel, assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { formatMinor } from "../money/money";
import { providerAdapter, providerName } from "../providers/adapter";
import { isProviderCallError } from "../providers/call-error";
import type { SubscriptionEffect } from "../subscriptions/effects";
import { parseInput } from "../validation/parse";
import { type RefundInput, refundInput } from "../validation/payment";
import { applyProviderState } from "./apply-provider-state";
import { lockPayment } from "./lock";
import { countRefund, failPendingRefund } from "./refund-effects";
import { requireRefundPlan } from "./refund-rule";
import { paymentSnapshot } from "./snapshot";

export type RefundOutcome = "succeeded" | "pending" | "failed";

export interface RefundResult {
  payment: Payment;
  refund: Refund;
  subscription: SubscriptionEffect | null;
  /**
   * `pending`: the provider has not confirmed the refund yet, or its answer was lost. The
   * refund stays pending with its idempotency key until the provider's webhook, Sync or the
   * reconciler settles it; a new refund of the payment is refused meanwhile.
   */
  outcome: RefundOutcome;
  /** What to tell the person who asked, in one sentence. */
  message: string;
}

/** While a refund waits for its provider, nothing else is refunded from the payment. */
export function pendingRefundMessage(provider: string): string {
  const name = providerName(provider);
  return `A refund of this payment is waiting for ${name} to confirm it: do not refund again. Paydesk settles it from ${name}'s answer (Sync now, or the reconciler), and a retry reuses its key, so it can never be paid twice`;
}

/**
 * Refunds all or part of what is left of a succeeded payment.
 * - Manual payment: recorded and counted at once (the money went back by bank transfer or cash;
 *   `bankReference` keeps the transfer's reference).
 * - Provider payment: the refund is written `pending` with a stable idempotency key first, then
 *   the provider is asked with that key, outside any lock. Its answer settles the refund
 *   (succeeded, pending, failed) through the same path as its webhooks. No answer leaves it
 *   pending and says so: nothing can refund it twice, because every retry sends the same key.
 * A full refund revokes the payment's grant unless `keepAccess`; a partial one keeps it unless
 * `revokeAccess`.
 */
export async function refundPayment(
  ctx: ServiceContext,
  raw: RefundInput,
  options: { approval?: ApprovalGrant } = {},
): Promise<RefundResult> {
  const result = await runRefund(
    ctx,
    raw,
    options.approval ? { mode: "approved", grant: options.approval } : { mode: "refuse" },
  );
  if ("approvalRequestId" in result) throw new Error("a refused gate never holds");
  if ("unsent" in result) throw new Error("only an approved re-run defers the provider call");
  return result;
}

/** A provider refund recorded as pending whose provider call waits until the caller commits. */
export interface UnsentRefund {
  unsent: { payment: Payment; refund: Refund };
}

/**
 * The approved re-run of a held refund, inside the approval's transaction. A manual refund is
 * done here; a provider refund is only recorded (pending, with its idempotency key) and handed
 * back, so that the provider is asked after the approval commits and outside its locks, as the
 * refund verb does: a provider call must never sit inside a transaction that could still roll
 * back the refund it created.
 */
export async function recordApprovedRefund(
  ctx: ServiceContext,
  raw: RefundInput,
  grant: ApprovalGrant,
): Promise<RefundResult | UnsentRefund> {
  const result = await runRefund(ctx, raw, { mode: "approved", grant }, { send: false });
  if ("approvalRequestId" in result) throw new Error("an approved re-run never holds");
  return result;
}

export type SubmitRefundResult = ({ status: "applied" } & RefundResult) | AwaitingApproval;

/**
 * The staff entry (refund dialog, CLI): `refundPayment`, except that a full refund matching an
 * approval rule is recorded as awaiting approval, with its preview, and nothing else is written.
 */
export async function submitRefund(ctx: ServiceContext, raw: RefundInput): Promise<SubmitRefundResult> {
  const result = await runRefund(ctx, raw, { mode: "hold" });
  if ("unsent" in result) throw new Error("the staff entry always sends");
  return "approvalRequestId" in result ? result : { status: "applied", ...result };
}

/** As createPayment's gate: hold (staff entry), refuse (any other caller), or the approved re-run. */
type ApprovalGate = { mode: "hold" } | { mode: "refuse" } | { mode: "approved"; grant: ApprovalGrant };

export const REFUND_NEEDS_APPROVAL =
  "This full refund needs a second admin's approval: submit it from the refund dialog or the CLI, which record it as awaiting approval";

async function runRefund(
  ctx: ServiceContext,
  raw: RefundInput,
  gate: ApprovalGate,
  options: { send: boolean } = { send: true },
): Promise<RefundResult | AwaitingApproval | UnsentRefund> {
  assertCan(ctx, "payment.refund");
  const input = parseInput(refundInput, raw);
  const now = nowOf(ctx);

  const requested = await ctx.db.transaction(async (tx) => {
    const before = await lockPayment(tx, input.paymentId);
    if (before.disputed) {
      throw new ServiceError(
        "invalid_transition",
        "This payment is disputed: the dispute decides where the money goes, so it cannot be refunded now",
      );
    }
    const [waiting] = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(and(eq(refunds.paymentId, before.id), eq(refunds.status, "pending")))
      .limit(1);
    if (waiting) throw new ServiceError("conflict", pendingRefundMessage(before.provider));
    const plan = requireRefundPlan(before, input.amount);
    if (input.keepAccess && plan.target !== "refunded") {
      throw ServiceError.field(
        "keepAccess",
        "A partial refund keeps access anyway; keeping access is a choice for full refunds",
      );
    }
    if (input.keepAccess && input.revokeAccess) {
      throw ServiceError.field("keepAccess", "Choose either to keep access or to revoke it, not both");
    }
    if (before.provider !== "manual" && input.bankReference) {
      throw ServiceError.field(
        "bankReference",
        `A ${providerName(before.provider)} refund has no bank reference: the provider returns the money`,
      );
    }
    if (before.provider !== "manual" && !before.providerPaymentId) {
      throw new ServiceError("provider_error", "This provider payment has no provider id to refund");
    }

    // Four eyes: a full refund is checked under the payment's lock, against the rules as they are now.
    if (gate.mode !== "approved" && isHeldChannel(ctx.actor, ctx.via)) {
      const matchedRules = matchRefund(await enabledRules(tx), {
        full: plan.target === "refunded",
        amountMinor: plan.amountMinor,
        currency: before.currency,
      });
      if (matchedRules.length > 0) {
        if (gate.mode === "refuse") throw new ServiceError("forbidden", REFUND_NEEDS_APPROVAL);
        const refundFacts = {
          amountMinor: plan.amountMinor,
          revokeAccess: input.revokeAccess,
          keepAccess: input.keepAccess,
        };
        return {
          held: await holdForApproval(tx, ctx, {
            action: "payment.refund_full",
            entityType: "payment",
            entityId: before.id,
            // The amount as it is now, not "everything left": a refund meanwhile changes what is left.
            input: {
              paymentId: before.id,
              amount: formatMinor(plan.amountMinor, before.currency),
              revokeAccess: input.revokeAccess,
              keepAccess: input.keepAccess,
              bankReference: input.bankReference ?? null,
              reason: input.reason,
            },
            preview: await refundPreview(tx, before, refundFacts, now),
            matchedRules,
            reason: input.reason,
          }),
        };
      }
    }

    const id = randomUUID();
    const [refund] = await tx
      .insert(refunds)
      .values({
        id,
        paymentId: before.id,
        amountMinor: plan.amountMinor,
        currency: before.currency,
        reason: input.reason,
        provider: before.provider,
        status: "pending",
        revokedAccess: input.revokeAccess,
        keepAccess: input.keepAccess,
        idempotencyKey: before.provider === "manual" ? null : `paydesk-refund-${id}`,
        bankReference: input.bankReference ?? null,
        actor: actorLabel(ctx.actor),
        createdByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!refund) throw new Error("refund insert returned nothing");
    await step(ctx, "refund.written");

    if (before.provider === "manual") {
      const effect = await countRefund(tx, ctx, {
        payment: before,
        refund,
        now,
        reason: input.reason,
        ...(gate.mode === "approved" ? { approval: approvalNote(gate.grant) } : {}),
      });
      return { done: { ...effect, outcome: "succeeded" as const, message: "Refunded" } };
    }
    await appendAudit(
      tx,
      ctx,
      {
        action: "payment.refund_requested",
        entityType: "payment",
        entityId: before.id,
        before: paymentSnapshot(before),
        after: {
          ...paymentSnapshot(before),
          refund: {
            id: refund.id,
            amountMinor: refund.amountMinor,
            status: refund.status,
            idempotencyKey: refund.idempotencyKey,
            revokeAccess: refund.revokedAccess,
            keepAccess: refund.keepAccess,
          },
          ...(gate.mode === "approved" ? { approval: approvalNote(gate.grant) } : {}),
        },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    return { pending: { payment: before, refund } };
  });
  if ("held" in requested && requested.held) return requested.held;
  if ("done" in requested && requested.done) return requested.done;
  const { payment, refund } = requested.pending as { payment: Payment; refund: Refund };
  if (!options.send) return { unsent: { payment, refund } };
  return sendRefund(ctx, payment, refund, { firstAttempt: true });
}

/** A provider keeps an idempotency key for 24 hours; past that a resend would be a new refund. */
export const REFUND_RESEND_WINDOW_MS = 23 * 3_600_000;

/**
 * Asks the provider for a refund recorded as pending (again, with its own key, when its first
 * answer was lost) and applies the answer. Used by the refund verb, Sync and the reconciler.
 */
export async function sendRefund(
  ctx: ServiceContext,
  payment: Payment,
  refund: Refund,
  options: { firstAttempt: boolean },
): Promise<RefundResult> {
  const name = providerName(payment.provider);
  const adapter = providerAdapter(payment.provider);
  try {
    const answer = await adapter.refund(payment, refund);
    await applyProviderState(ctx, {
      provider: answer.provider,
      providerPaymentId: answer.providerPaymentId,
      observedAt: nowOf(ctx),
      refunds: [{ ...answer.refund, paydeskRefundId: refund.id }],
      disputes: [],
      source: `${name} answered the refund request ${refund.id}`,
    });
  } catch (err) {
    if (
      isProviderCallError(err) &&
      (err.outcome === "refused" || (err.outcome === "not_sent" && options.firstAttempt))
    ) {
      // Nothing was refunded at the provider (a refusal of a resend is the provider's answer
      // to this very key): the request is closed, and a new one may be made.
      await closeRefund(ctx, refund, `${name} did not refund: ${err.message}`);
      throw err;
    }
    if (!(isProviderCallError(err) && (err.outcome === "unknown" || err.outcome === "not_sent"))) throw err;
    const current = await reload(ctx, refund);
    return {
      ...current,
      subscription: null,
      outcome: "pending",
      message: `No answer from ${name} (${err.message}). ${pendingRefundMessage(payment.provider)}`,
    };
  }
  const current = await reload(ctx, refund);
  const outcome: RefundOutcome =
    current.refund.status === "succeeded"
      ? "succeeded"
      : current.refund.status === "failed"
        ? "failed"
        : "pending";
  const message =
    outcome === "succeeded"
      ? `Refunded through ${name}`
      : outcome === "failed"
        ? `${name} did not refund: ${current.refund.failureReason ?? "the refund failed"}`
        : `${name} accepted the refund and is processing it (${current.refund.providerStatus ?? "pending"}): it counts once ${name} confirms it. Do not refund again`;
  if (outcome === "failed") {
    throw new ServiceError("provider_error", message);
  }
  return { ...current, subscription: null, outcome, message };
}

async function reload(ctx: ServiceContext, refund: Refund): Promise<{ payment: Payment; refund: Refund }> {
  const [row] = await ctx.db.select().from(refunds).where(eq(refunds.id, refund.id));
  const [payment] = await ctx.db.select().from(payments).where(eq(payments.id, refund.paymentId));
  if (!row || !payment) throw new Error("refund vanished");
  return { payment, refund: row };
}

/** Closes a pending refund the provider never took (refused, or never sent). */
async function closeRefund(ctx: ServiceContext, refund: Refund, why: string): Promise<void> {
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const payment = await lockPayment(tx, refund.paymentId);
    const [row] = await tx.select().from(refunds).where(eq(refunds.id, refund.id)).for("update");
    if (row?.status !== "pending" || row.providerRefundId) return;
    await failPendingRefund(tx, ctx, { payment, refund: row, now, failureReason: why.slice(0, 500) });
  });
}
