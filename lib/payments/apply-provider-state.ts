import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db, Queryable, Tx } from "@/db/client";
import { type Dispute, disputes, type Payment, type Plan, payments, plans, refunds } from "@/db/schema";
import { inTransaction } from "@/db/transaction";
import { appendAudit } from "../audit/append";
import { actorLabel, assertCan, nowOf, type ServiceContext, step } from "../context";
import { findCustomer } from "../customers/resolve";
import { describeServiceError, isServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { formatMinor } from "../money/money";
import {
  DISPUTE_STATUS_RANK,
  type DisputeTarget,
  PAYMENT_STATUS_RANK,
  type PaymentTarget,
  type ProviderPaymentStatus,
  type ProviderState,
  REFUND_STATUS_RANK,
  type RefundTarget,
} from "../providers/target";
import { refundTargetStatus } from "../providers/target-status";
import { extendForPayment, type SubscriptionEffect } from "../subscriptions/effects";
import type { ProviderPaymentInput } from "../validation/payment";
import { alignAccess, whyAccessTakenAway } from "./access";
import { recordProviderPayment } from "./create";
import { countRefund, failPendingRefund, reverseRefund } from "./refund-effects";
import { planRefund } from "./refund-rule";
import { planMismatch } from "./review";
import { paymentSnapshot } from "./snapshot";
import { checkTransition } from "./state-machine";

export interface ApplyProviderResult {
  /** The payment, or null when the provider's object names no payment Paydesk can record. */
  payment: Payment | null;
  /** Whether anything was written. */
  changed: boolean;
  /** Whether the payment was recorded just now. */
  created: boolean;
  /** One line per thing done or declined, for the event log, the sync answer and the CLI. */
  notes: string[];
  /** Set when the source is about a payment Paydesk has not recorded yet (and cannot yet). */
  waiting: boolean;
}

export interface ApplyProviderOptions {
  /** The state was fetched from the provider's API just now (Sync, reconciliation). */
  fetched?: boolean;
  /** The caller's transaction already holds `lockProviderPayment` for this payment. */
  providerLocked?: boolean;
}

const PROVIDER_NAME = { stripe: "Stripe", yookassa: "YooKassa" } as const;

/**
 * Moves Paydesk to what the provider says about one payment: its status and captured
 * amount, its refunds, its disputes. Only the difference is written, each change audited
 * with its event, in one transaction under the provider payment's lock and then the
 * payment's row lock. Any delivery order and any number of copies converge:
 * - a payment snapshot older than the one applied changes nothing; succeeded and canceled
 *   are final;
 * - refunds and disputes only move forward in their own lifecycles;
 * - refund rows are then settled against what they are at the provider: a succeeded one is
 *   counted once (when the payment has succeeded), a failed one closed, and a counted one
 *   that failed afterwards reversed.
 */
export async function applyProviderState(
  ctx: ServiceContext,
  state: ProviderState,
  options: ApplyProviderOptions = {},
): Promise<ApplyProviderResult> {
  assertCan(ctx, "payment.sync");
  const now = nowOf(ctx);
  const name = PROVIDER_NAME[state.provider];
  // Inside a caller's transaction (a webhook's) no savepoint is needed: any error here fails
  // the whole delivery, which is then stored as failed and retried.
  return inTransaction(ctx.db, async (tx) => {
    // Nested verbs run in this transaction (one connection on PGlite; one commit everywhere).
    const txCtx: ServiceContext = { ...ctx, db: tx as unknown as Db };
    if (!options.providerLocked) await lockProviderPayment(tx, state.provider, state.providerPaymentId);
    const notes: string[] = [];
    let changed = false;
    let created = false;

    let found = await findProviderPayment(tx, state.provider, state.providerPaymentId);
    if (!found) {
      if (!state.payment) {
        return {
          payment: null,
          changed: false,
          created: false,
          waiting: true,
          notes: [`No payment is recorded for ${name} payment ${state.providerPaymentId} yet`],
        };
      }
      const recorded = await recordNew(txCtx, state, state.payment);
      if (!recorded.ok) {
        return { payment: null, changed: false, created: false, waiting: false, notes: [recorded.reason] };
      }
      found = recorded.payment;
      created = recorded.created;
      changed ||= recorded.created;
      if (recorded.created) notes.push(`Recorded the ${name} payment ${state.providerPaymentId}`);
    }

    // Found with FOR UPDATE, or inserted by this transaction: the row lock is held.
    let payment = found;
    if (state.payment) {
      const moved = await applyPaymentTarget(tx, ctx, payment, state, state.payment, now);
      payment = moved.payment;
      changed ||= moved.changed;
      notes.push(...moved.notes);
    }

    for (const target of state.refunds) {
      const r = await applyRefundTarget(tx, ctx, payment, state, target, now);
      changed ||= r.changed;
      if (r.note) notes.push(r.note);
    }
    // Refund rows change only with refund news, or count once the payment has succeeded.
    if (state.refunds.length > 0 || (payment.status === "succeeded" && payment.status !== found.status)) {
      const settled = await settleRefunds(tx, ctx, payment, name, now);
      payment = settled.payment;
      changed ||= settled.changed;
      notes.push(...settled.notes);
    }

    for (const target of state.disputes) {
      const d = await applyDisputeTarget(tx, ctx, payment, state, target, now);
      payment = d.payment;
      changed ||= d.changed;
      if (d.note) notes.push(d.note);
    }

    if (options.fetched) {
      const [synced] = await tx
        .update(payments)
        .set({ providerSyncedAt: now })
        .where(eq(payments.id, payment.id))
        .returning();
      if (synced) payment = synced;
    }
    if (notes.length === 0) notes.push(`Nothing to change: Paydesk already agrees with ${name}`);
    await step(ctx, "provider.applied");
    return { payment, changed, created, waiting: false, notes };
  });
}

/** Serialises everything about one provider payment until the transaction ends. */
export async function lockProviderPayment(
  tx: Queryable,
  provider: "stripe" | "yookassa",
  id: string,
): Promise<void> {
  const key = provider === "stripe" ? `stripe:payment_intent:${id}` : `yookassa:payment:${id}`;
  await tx.execute(sqlAdvisoryLock(key));
}

function sqlAdvisoryLock(key: string) {
  return sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/** The provider payment, row-locked (the payment's lock comes after the provider's, always). */
async function findProviderPayment(
  tx: Tx,
  provider: "stripe" | "yookassa",
  id: string,
): Promise<Payment | null> {
  const [row] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.provider, provider), eq(payments.providerPaymentId, id)))
    .for("update");
  return row ?? null;
}

/** Provider statuses of a payment nobody has tried to pay yet. */
const NOT_YET_ATTEMPTED: ReadonlySet<string> = new Set(["requires_payment_method", "requires_confirmation"]);

type Recorded = { ok: true; payment: Payment; created: boolean } | { ok: false; reason: string };

/**
 * Records a provider payment Paydesk has not seen, as pending: the status it is in at the
 * provider is then applied like any later change, through the same checks (amount, plan).
 */
async function recordNew(
  ctx: ServiceContext,
  state: ProviderState,
  target: PaymentTarget,
): Promise<Recorded> {
  const name = PROVIDER_NAME[state.provider];
  if (NOT_YET_ATTEMPTED.has(target.providerStatus) && !target.lastError) {
    // Every checkout creates an intent; most never see a payment attempt. Recording them all
    // would fill the back office (and the reconciler) with abandoned carts: a payment is
    // recorded at its first attempt, failed or not, and nothing about it is lost meanwhile.
    return {
      ok: false,
      reason: `${name} payment ${state.providerPaymentId} is ${target.providerStatus.replaceAll("_", " ")} with no attempt yet: recorded at its first attempt`,
    };
  }
  if (!target.customerRef) {
    return {
      ok: false,
      reason: `${name} payment ${state.providerPaymentId} names no customer (metadata.paydesk_customer is missing): not recorded`,
    };
  }
  const customer = await findCustomer(ctx.db, target.customerRef);
  if (!customer) {
    return {
      ok: false,
      reason: `No customer matches metadata.paydesk_customer "${target.customerRef}" of ${name} payment ${state.providerPaymentId}: not recorded`,
    };
  }
  const direct = target.status !== "succeeded";
  try {
    const result = await recordProviderPayment(
      ctx,
      {
        provider: state.provider,
        providerPaymentId: state.providerPaymentId,
        customer: customer.id,
        plan: target.planCode,
        amountMinor: target.requestedMinor,
        currency: target.currency,
        // Recorded as the provider has it, except a success: that is applied as a change, through
        // the amount check and the grant (applyPaymentTarget), like every later success.
        status: direct ? target.status : "pending",
        providerStatus: direct ? target.providerStatus : null,
        providerError: direct ? target.lastError : null,
        providerStateAt: direct ? state.observedAt : null,
        method: target.method,
        description: target.description,
        metadata: target.metadata as ProviderPaymentInput["metadata"],
      },
      customer,
    );
    return { ok: true, payment: result.payment, created: result.created };
  } catch (err) {
    if (isServiceError(err) && (err.code === "validation" || err.code === "not_found")) {
      const detail = describeServiceError(err);
      return { ok: false, reason: `${name} payment ${state.providerPaymentId} not recorded: ${detail}` };
    }
    throw err;
  }
}

/** Paydesk's status, seen as the provider's lifecycle (refunds are applied separately). */
function baseStatus(status: Payment["status"]): ProviderPaymentStatus | "failed" {
  if (status === "partially_refunded" || status === "refunded") return "succeeded";
  return status;
}

interface Moved {
  payment: Payment;
  changed: boolean;
  notes: string[];
}

async function applyPaymentTarget(
  tx: Tx,
  ctx: ServiceContext,
  before: Payment,
  state: ProviderState,
  target: PaymentTarget,
  now: Date,
): Promise<Moved> {
  const name = PROVIDER_NAME[state.provider];
  const current = baseStatus(before.status);
  const said = `${name} says ${target.providerStatus.replaceAll("_", " ")}`;

  if (current === "succeeded" || current === "canceled" || current === "failed") {
    if (target.status === current) return { payment: before, changed: false, notes: [] };
    if (target.status === "pending" || target.status === "processing") {
      // An older snapshot delivered late: the payment has moved on at the provider too.
      return {
        payment: before,
        changed: false,
        notes: [`${said} in an older snapshot; the payment is already ${before.status}`],
      };
    }
    return {
      payment: before,
      changed: false,
      notes: [
        `${said}, but the payment is ${before.status} here: not applied (a final status is never left); check it at ${name}`,
      ],
    };
  }

  // Open here: a newer snapshot (or a final one) moves it; an older one changes nothing.
  const observed = state.observedAt.getTime();
  const applied = before.providerStateAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const final = target.status === "succeeded" || target.status === "canceled";
  const newer =
    observed > applied ||
    (observed === applied && PAYMENT_STATUS_RANK[target.status] >= PAYMENT_STATUS_RANK[current]);
  if (!final && !newer) {
    return { payment: before, changed: false, notes: [`${said} in an older snapshot: nothing to change`] };
  }

  const statusChanges = target.status !== before.status;
  const amountMinor =
    target.status === "succeeded" ? (target.capturedMinor ?? target.requestedMinor) : target.requestedMinor;
  const material =
    statusChanges ||
    target.providerStatus !== before.providerStatus ||
    target.lastError !== before.providerError ||
    amountMinor !== before.amountMinor ||
    target.requestedMinor !== (before.requestedMinor ?? before.amountMinor);
  if (!material) {
    if (observed > applied) {
      await tx.update(payments).set({ providerStateAt: state.observedAt }).where(eq(payments.id, before.id));
    }
    return {
      payment: { ...before, providerStateAt: new Date(Math.max(observed, applied)) },
      changed: false,
      notes: [],
    };
  }
  if (statusChanges) {
    const check = checkTransition(before.status, target.status, "provider", before.amountMinor);
    if (!check.ok) return { payment: before, changed: false, notes: [`${said}: ${check.reason}`] };
  }

  let reviewReason = before.reviewReason;
  // Read once: the amount is checked against it here and the grant below takes its period.
  let plan: Plan | undefined;
  if (target.status === "succeeded" && statusChanges && before.planId) {
    [plan] = await tx.select().from(plans).where(eq(plans.id, before.planId));
    reviewReason = plan ? planMismatch({ amountMinor, currency: target.currency }, plan) : null;
  }

  const [payment] = await tx
    .update(payments)
    .set({
      status: target.status,
      amountMinor,
      requestedMinor: target.requestedMinor,
      providerStatus: target.providerStatus,
      providerError: target.lastError,
      providerStateAt: new Date(Math.max(observed, applied)),
      succeededAt: target.status === "succeeded" ? now : before.succeededAt,
      reviewReason,
      updatedAt: now,
      version: before.version + 1,
    })
    .where(eq(payments.id, before.id))
    .returning();
  if (!payment) throw new Error("payment update lost");
  await step(ctx, "payment.status_written");

  const reason = state.source;
  await appendAudit(
    tx,
    ctx,
    {
      action: statusChanges ? "payment.status_change" : "payment.provider_update",
      entityType: "payment",
      entityId: payment.id,
      before: {
        ...paymentSnapshot(before),
        providerStatus: before.providerStatus,
        providerError: before.providerError,
      },
      after: {
        ...paymentSnapshot(payment),
        providerStatus: payment.providerStatus,
        providerError: payment.providerError,
        ...(payment.reviewReason ? { reviewReason: payment.reviewReason } : {}),
      },
      reason,
    },
    { entityLocked: true },
  );

  const notes: string[] = [];
  const money = `${formatMinor(payment.amountMinor, payment.currency)} ${payment.currency}`;
  let subscription: SubscriptionEffect | null = null;
  if (statusChanges) notes.push(`Payment ${before.status} → ${payment.status} (${said})`);
  else notes.push(`${said}${payment.providerError ? `: ${payment.providerError}` : ""}`);

  if (statusChanges && payment.status === "succeeded") {
    if (payment.reviewReason) {
      notes.push(`Held for review, nothing granted: ${payment.reviewReason}`);
      await emitEvent(tx, {
        type: "payment.review_required",
        aggregateType: "payment",
        aggregateId: payment.id,
        payload: { ...paymentSnapshot(payment), reviewReason: payment.reviewReason },
        at: now,
      });
    } else if (payment.disputed && (await whyAccessTakenAway(tx, payment))) {
      // A dispute lost before the success arrived here: the payment counts as taken back.
      notes.push("Nothing granted: a dispute of this payment was lost");
    } else {
      subscription = await extendForPayment(tx, ctx, payment, now, reason, plan);
      if (subscription)
        notes.push(`Extended ${subscription.planCode} to ${subscription.currentPeriodEnd.toISOString()}`);
    }
    await emitEvent(tx, {
      type: "payment.completed",
      aggregateType: "payment",
      aggregateId: payment.id,
      payload: {
        ...paymentSnapshot(payment),
        previousStatus: before.status,
        capturedMinor: payment.amountMinor,
        subscription,
      },
      at: now,
    });
  } else if (statusChanges && (payment.status === "canceled" || payment.status === "processing")) {
    await emitEvent(tx, {
      type: payment.status === "canceled" ? "payment.canceled" : "payment.processing",
      aggregateType: "payment",
      aggregateId: payment.id,
      payload: {
        ...paymentSnapshot(payment),
        previousStatus: before.status,
        providerStatus: payment.providerStatus,
      },
      at: now,
    });
  }
  if (
    payment.providerError &&
    payment.providerError !== before.providerError &&
    payment.status !== "canceled"
  ) {
    await emitEvent(tx, {
      type: "payment.attempt_failed",
      aggregateType: "payment",
      aggregateId: payment.id,
      payload: {
        ...paymentSnapshot(payment),
        providerStatus: payment.providerStatus,
        error: payment.providerError,
      },
      at: now,
    });
  }
  if (
    statusChanges &&
    payment.status === "succeeded" &&
    !payment.reviewReason &&
    !subscription &&
    payment.planId
  ) {
    notes.push(`Captured ${money}`);
  }
  return { payment, changed: true, notes };
}

/** Finds the local refund a provider refund is, attaching the provider's id when it is new. */
async function applyRefundTarget(
  tx: Tx,
  ctx: ServiceContext,
  payment: Payment,
  state: ProviderState,
  target: RefundTarget,
  now: Date,
): Promise<{ changed: boolean; note: string | null }> {
  const name = PROVIDER_NAME[state.provider];
  let [row] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.provider, state.provider), eq(refunds.providerRefundId, target.providerRefundId)));
  if (!row && target.paydeskRefundId) {
    [row] = await tx
      .select()
      .from(refunds)
      .where(and(eq(refunds.id, target.paydeskRefundId), eq(refunds.paymentId, payment.id)));
  }
  if (!row) {
    const [unmatched] = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(
        and(
          eq(refunds.paymentId, payment.id),
          eq(refunds.status, "pending"),
          isNull(refunds.providerRefundId),
        ),
      )
      .limit(1);
    if (unmatched) {
      // A refund started here whose answer was lost may be this one: it is matched when its
      // request is sent again with the same key (Sync, the reconciler), never guessed.
      return {
        changed: false,
        note: `${name} refund ${target.providerRefundId} not recorded yet: refund ${unmatched.id} started here is still unconfirmed; syncing the payment settles both`,
      };
    }
    if (target.currency !== payment.currency) {
      return {
        changed: false,
        note: `${name} refund ${target.providerRefundId} is in ${target.currency}, the payment in ${payment.currency}: not recorded`,
      };
    }
    const fits = planRefund(payment, target.amountMinor);
    if (!fits.ok && fits.field === "amount") {
      // More than is left here: Paydesk and the provider disagree about this payment's
      // refunds. Not recorded (a row that can never count would block refunds for ever).
      return {
        changed: false,
        note: `${name} refund ${target.providerRefundId} not counted: ${fits.message}; sync the payment and check it at ${name}`,
      };
    }
    const [inserted] = await tx
      .insert(refunds)
      .values({
        paymentId: payment.id,
        amountMinor: target.amountMinor,
        currency: target.currency,
        reason: target.description ?? `Refunded in ${name} (refund ${target.providerRefundId})`,
        provider: state.provider,
        providerRefundId: target.providerRefundId,
        // Counted by the settling pass below, once it has succeeded and the payment has too.
        status: "pending",
        providerStatus: target.providerStatus,
        failureReason: target.failureReason,
        revokedAccess: target.revokeAccess,
        actor: actorLabel(ctx.actor),
        createdByStaffId: null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!inserted) throw new Error("refund insert returned nothing");
    return { changed: true, note: null };
  }

  const known = row.providerStatus ? refundTargetStatus(row.providerStatus) : "pending";
  const newer = REFUND_STATUS_RANK[target.status] > REFUND_STATUS_RANK[known];
  const attach = !row.providerRefundId;
  if (!newer && !attach && row.providerStatus === target.providerStatus)
    return { changed: false, note: null };
  if (!newer && !attach && REFUND_STATUS_RANK[target.status] < REFUND_STATUS_RANK[known]) {
    return { changed: false, note: null };
  }
  await tx
    .update(refunds)
    .set({
      providerRefundId: target.providerRefundId,
      providerStatus: newer || !row.providerStatus ? target.providerStatus : row.providerStatus,
      failureReason: target.failureReason ?? row.failureReason,
      updatedAt: now,
    })
    .where(eq(refunds.id, row.id));
  return { changed: attach || newer, note: null };
}

/**
 * Brings each refund row's counted state to what its provider status says: count a refund
 * that succeeded (once the payment has), close one that failed before counting, reverse one
 * that failed after. Oldest first, so totals move as they did at the provider.
 */
async function settleRefunds(
  tx: Tx,
  ctx: ServiceContext,
  before: Payment,
  name: string,
  now: Date,
): Promise<Moved> {
  const rows = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.paymentId, before.id), inArray(refunds.status, ["pending", "succeeded"])))
    .orderBy(asc(refunds.createdAt), asc(refunds.id));
  let payment = before;
  let changed = false;
  const notes: string[] = [];
  for (const row of rows) {
    if (!row.providerStatus || row.provider === "manual") continue;
    const at = refundTargetStatus(row.providerStatus);
    const money = `${formatMinor(row.amountMinor, row.currency)} ${row.currency}`;
    const label = row.providerRefundId ?? row.id;
    const why = row.failureReason ? ` (${row.failureReason})` : "";
    if (row.status === "pending" && at === "succeeded") {
      if (baseStatus(payment.status) !== "succeeded") {
        notes.push(
          `Refund ${label} of ${money} succeeded at ${name}; it counts once the payment has succeeded`,
        );
        continue;
      }
      const effect = await countRefund(tx, ctx, {
        payment,
        refund: row,
        now,
        reason: `${row.reason} — confirmed by ${name}`.slice(0, 500),
      }).catch((err: unknown) => {
        if (isServiceError(err) && err.code === "invalid_transition") return err.message;
        throw err;
      });
      if (typeof effect === "string") {
        notes.push(`Refund ${label} of ${money} not counted: ${effect}`);
        continue;
      }
      payment = effect.payment;
      changed = true;
      notes.push(`Refund ${label} of ${money} succeeded: payment ${payment.status.replaceAll("_", " ")}`);
    } else if (row.status === "pending" && at === "failed") {
      await failPendingRefund(tx, ctx, {
        payment,
        refund: row,
        now,
        failureReason: `${name} refund ${label} ${row.providerStatus}${why}`,
      });
      changed = true;
      notes.push(`Refund ${label} of ${money} ${row.providerStatus} at ${name}${why}: nothing was refunded`);
    } else if (row.status === "succeeded" && at === "failed") {
      const effect = await reverseRefund(tx, ctx, {
        payment,
        refund: row,
        now,
        failureReason: `${name} refund ${label} ${row.providerStatus} after it succeeded${why}: the money did not reach the customer`,
      });
      payment = effect.payment;
      changed = true;
      notes.push(
        `Refund ${label} of ${money} failed at ${name} after it was counted${why}: reversed, payment ${payment.status.replaceAll("_", " ")}${effect.subscription ? ", access reinstated" : ""}`,
      );
    }
  }
  return { payment, changed, notes };
}

async function applyDisputeTarget(
  tx: Tx,
  ctx: ServiceContext,
  before: Payment,
  state: ProviderState,
  target: DisputeTarget,
  now: Date,
): Promise<{ payment: Payment; changed: boolean; note: string | null }> {
  const name = PROVIDER_NAME[state.provider];
  const [row] = await tx
    .select()
    .from(disputes)
    .where(
      and(eq(disputes.provider, state.provider), eq(disputes.providerDisputeId, target.providerDisputeId)),
    );
  const money = `${formatMinor(target.amountMinor, target.currency)} ${target.currency}`;
  let dispute: Dispute;
  let note: string;
  if (!row) {
    const [inserted] = await tx
      .insert(disputes)
      .values({
        paymentId: before.id,
        provider: state.provider,
        providerDisputeId: target.providerDisputeId,
        kind: target.kind,
        status: target.status,
        providerStatus: target.providerStatus,
        reason: target.reason,
        amountMinor: target.amountMinor,
        currency: target.currency,
        fundsWithdrawn: target.fundsWithdrawn,
        fundsReinstated: target.fundsReinstated,
        openedAt: now,
        closedAt: target.status === "open" ? null : now,
        updatedAt: now,
      })
      .returning();
    if (!inserted) throw new Error("dispute insert returned nothing");
    dispute = inserted;
    note = `${target.kind === "inquiry" ? "Inquiry" : "Chargeback"} ${target.providerDisputeId} for ${money} opened${target.reason ? ` (${target.reason})` : ""}`;
    await emitEvent(tx, {
      type: "payment.dispute_opened",
      aggregateType: "payment",
      aggregateId: before.id,
      payload: disputePayload(dispute),
      at: now,
    });
  } else {
    const forward = DISPUTE_STATUS_RANK[target.status] > DISPUTE_STATUS_RANK[row.status];
    // While open, the provider's word moves forward too (an older snapshot never moves it back).
    const furtherOpen =
      row.status === "open" &&
      target.status === "open" &&
      openRank(target.providerStatus) > openRank(row.providerStatus);
    const next = {
      status: forward ? target.status : row.status,
      providerStatus: forward || furtherOpen ? target.providerStatus : row.providerStatus,
      kind:
        row.kind === "chargeback" || target.kind === "chargeback"
          ? ("chargeback" as const)
          : ("inquiry" as const),
      fundsWithdrawn: row.fundsWithdrawn || target.fundsWithdrawn,
      fundsReinstated: row.fundsReinstated || target.fundsReinstated,
    };
    if (
      next.status === row.status &&
      next.providerStatus === row.providerStatus &&
      next.kind === row.kind &&
      next.fundsWithdrawn === row.fundsWithdrawn &&
      next.fundsReinstated === row.fundsReinstated
    ) {
      return { payment: before, changed: false, note: null };
    }
    const [updated] = await tx
      .update(disputes)
      .set({ ...next, closedAt: forward ? now : row.closedAt, updatedAt: now })
      .where(eq(disputes.id, row.id))
      .returning();
    if (!updated) throw new Error("dispute update lost");
    dispute = updated;
    note = forward
      ? `Dispute ${target.providerDisputeId} ${target.status}${target.status === "lost" ? `: ${money} is lost` : ""}`
      : `Dispute ${target.providerDisputeId}: ${name} says ${target.providerStatus.replaceAll("_", " ")}${next.fundsReinstated && !row.fundsReinstated ? ", funds reinstated" : next.fundsWithdrawn && !row.fundsWithdrawn ? ", funds withdrawn" : ""}`;
    await emitEvent(tx, {
      type: forward ? "payment.dispute_closed" : "payment.dispute_updated",
      aggregateType: "payment",
      aggregateId: before.id,
      payload: disputePayload(dispute),
      at: now,
    });
  }
  await step(ctx, "dispute.written");

  // The flag on the payment: a dispute is open, or one was lost.
  const live = await tx
    .select({ status: disputes.status })
    .from(disputes)
    .where(and(eq(disputes.paymentId, before.id), inArray(disputes.status, ["open", "lost"])));
  const disputed = live.length > 0;
  const [payment] = await tx
    .update(payments)
    .set({ disputed, updatedAt: now, version: before.version + 1 })
    .where(eq(payments.id, before.id))
    .returning();
  if (!payment) throw new Error("payment update lost");
  await appendAudit(
    tx,
    ctx,
    {
      action: row ? "payment.dispute_update" : "payment.dispute",
      entityType: "payment",
      entityId: payment.id,
      before: { disputed: before.disputed, version: before.version, dispute: row ? disputeNote(row) : null },
      after: { disputed: payment.disputed, version: payment.version, dispute: disputeNote(dispute) },
      reason: `${state.source}: ${note}`.slice(0, 1000),
    },
    { entityLocked: true },
  );
  // A lost dispute counts like a full refund: the grant goes (once).
  if (dispute.status !== row?.status) {
    const effect = await alignAccess(tx, ctx, payment, now, `${state.source}: dispute ${dispute.status}`);
    if (effect) note += effect.days < 0 ? "; access revoked" : "; access reinstated";
  }
  return { payment, changed: true, note };
}

/** Stripe's open dispute statuses in lifecycle order: inquiries, then chargebacks. */
const OPEN_DISPUTE_ORDER = [
  "warning_needs_response",
  "warning_under_review",
  "needs_response",
  "under_review",
];

function openRank(providerStatus: string): number {
  return OPEN_DISPUTE_ORDER.indexOf(providerStatus);
}

function disputeNote(d: Dispute) {
  return {
    id: d.providerDisputeId,
    kind: d.kind,
    status: d.status,
    providerStatus: d.providerStatus,
    amountMinor: d.amountMinor,
    currency: d.currency,
    reason: d.reason,
    fundsWithdrawn: d.fundsWithdrawn,
    fundsReinstated: d.fundsReinstated,
  };
}

function disputePayload(d: Dispute) {
  return { paymentId: d.paymentId, disputeId: d.id, ...disputeNote(d) };
}
