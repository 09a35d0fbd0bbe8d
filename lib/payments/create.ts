import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { and, eq } from "drizzle-orm";
import { type Payment, type Plan, payments, plans } from "@/db/schema";
import type { PaymentKind, PaymentMethod, PaymentProvider, PaymentStatus } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import { toJson } from "../audit/json";
import { actorLabel, assertCan, nowOf, type ServiceContext, step } from "../context";
import { findCustomer } from "../customers/resolve";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { extendForPayment, type SubscriptionEffect } from "../subscriptions/effects";
import { parseInput } from "../validation/parse";
import {
  type CreatePaymentInput,
  createPaymentInput,
  type ProviderPaymentInput,
  providerPaymentInput,
} from "../validation/payment";
import { paymentSnapshot } from "./snapshot";

export interface CreatePaymentResult {
  payment: Payment;
  /** False when an idempotency key (or provider id) matched an existing payment. */
  created: boolean;
  subscription: SubscriptionEffect | null;
}

interface NewPayment {
  customer: string;
  plan: string | null;
  kind: PaymentKind;
  provider: PaymentProvider;
  providerPaymentId: string | null;
  amountMinor: bigint;
  currency: string;
  status: PaymentStatus;
  method: PaymentMethod | null;
  description: string | null;
  metadata: Record<string, unknown>;
  grantDays: number | null;
  idempotencyKey: string | null;
  reason: string | null;
  providerStatus?: string | null;
  providerError?: string | null;
  providerStateAt?: Date | null;
}

export const TRIAL_TAKEN = "This customer has already had a trial of this plan";

/** Records a payment made out of band (manual) or a zero-amount trial, from the web, CLI or seed. */
export async function createPayment(
  ctx: ServiceContext,
  raw: CreatePaymentInput,
): Promise<CreatePaymentResult> {
  assertCan(ctx, "payment.create");
  const input = parseInput(createPaymentInput, raw);
  return insertPayment(ctx, {
    ...input,
    provider: "manual",
    providerPaymentId: null,
  });
}

/**
 * Records a payment a provider took, as pending, keyed by the provider's payment id: a second
 * call with the same id returns the existing payment unchanged. Its status at the provider is
 * then applied by `applyProviderState`, through the same checks as any later change.
 */
export async function recordProviderPayment(
  ctx: ServiceContext,
  raw: ProviderPaymentInput,
): Promise<CreatePaymentResult> {
  assertCan(ctx, "payment.create");
  const input = parseInput(providerPaymentInput, raw);
  return insertPayment(ctx, {
    ...input,
    kind: "provider",
    grantDays: null,
    idempotencyKey: null,
    reason: null,
  });
}

function requestHash(p: NewPayment, customerId: string, planId: string | null): string {
  const content = canonicalize(
    toJson({
      customerId,
      planId,
      kind: p.kind,
      amountMinor: p.amountMinor,
      currency: p.currency,
      status: p.status,
      method: p.method,
      description: p.description,
      metadata: p.metadata,
      grantDays: p.grantDays,
    }),
  );
  return createHash("sha256")
    .update(content ?? "")
    .digest("hex");
}

/** The answer to a repeated request: the original payment, if the request is the same one. */
function replayed(existing: Payment, hash: string | null): CreatePaymentResult {
  if (hash !== null && existing.requestHash !== hash) {
    throw new ServiceError(
      "idempotency_conflict",
      "This idempotency key was already used for a payment with different parameters",
    );
  }
  return { payment: existing, created: false, subscription: null };
}

async function insertPayment(ctx: ServiceContext, p: NewPayment): Promise<CreatePaymentResult> {
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const customer = await findCustomer(tx, p.customer);
      if (!customer) throw ServiceError.field("customer", `No customer matches "${p.customer}"`);

      let plan: Plan | null = null;
      if (p.plan) {
        const [found] = await tx.select().from(plans).where(eq(plans.code, p.plan.toLowerCase()));
        plan = found ?? null;
        if (!plan) throw ServiceError.field("plan", `Unknown plan "${p.plan}"`);
        if (!plan.active && p.kind !== "provider")
          throw ServiceError.field("plan", `Plan ${plan.name} is no longer offered`);
      }
      if (p.kind === "trial" && plan && plan.trialDays <= 0 && !p.grantDays) {
        throw ServiceError.field("plan", `Plan ${plan.name} has no trial period`);
      }

      const hash = p.idempotencyKey ? requestHash(p, customer.id, plan?.id ?? null) : null;
      if (p.idempotencyKey) {
        const [existing] = await tx
          .select()
          .from(payments)
          .where(eq(payments.idempotencyKey, p.idempotencyKey));
        if (existing) return replayed(existing, hash);
      }
      if (p.providerPaymentId) {
        const [existing] = await tx
          .select()
          .from(payments)
          .where(and(eq(payments.provider, p.provider), eq(payments.providerPaymentId, p.providerPaymentId)));
        if (existing) return replayed(existing, null);
      }
      if (p.kind === "trial" && plan) {
        const [trial] = await tx
          .select({ id: payments.id })
          .from(payments)
          .where(
            and(
              eq(payments.customerId, customer.id),
              eq(payments.planId, plan.id),
              eq(payments.kind, "trial"),
            ),
          );
        if (trial) throw ServiceError.field("plan", `${TRIAL_TAKEN} (payment ${trial.id})`);
      }

      const values = {
        customerId: customer.id,
        planId: plan?.id ?? null,
        amountMinor: p.amountMinor,
        currency: p.currency,
        status: p.status,
        kind: p.kind,
        provider: p.provider,
        providerPaymentId: p.providerPaymentId,
        method: p.method,
        description: p.description,
        metadata: p.metadata,
        grantDays: p.grantDays,
        idempotencyKey: p.idempotencyKey,
        requestHash: hash,
        createdByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null,
        createdBy: actorLabel(ctx.actor),
        createdAt: now,
        updatedAt: now,
        succeededAt: p.status === "succeeded" ? now : null,
        providerStatus: p.providerStatus ?? null,
        providerError: p.providerError ?? null,
        providerStateAt: p.providerStateAt ?? null,
        requestedMinor: p.provider === "manual" ? null : p.amountMinor,
      };
      // A concurrent request with the same key waits on the unique index, then lands here
      // with nothing inserted and reads the winner's payment.
      const inserted = p.idempotencyKey
        ? await tx
            .insert(payments)
            .values(values)
            .onConflictDoNothing({ target: payments.idempotencyKey })
            .returning()
        : await tx.insert(payments).values(values).returning();
      const payment = inserted[0];
      if (!payment) {
        const [winner] = await tx
          .select()
          .from(payments)
          .where(eq(payments.idempotencyKey, p.idempotencyKey ?? ""));
        if (!winner) throw new Error("idempotency conflict without a winner");
        return replayed(winner, hash);
      }
      await step(ctx, "payment.written");

      await appendAudit(
        tx,
        ctx,
        {
          action: "payment.create",
          entityType: "payment",
          entityId: payment.id,
          before: null,
          after: paymentSnapshot(payment),
          reason: p.reason,
        },
        { entityLocked: true },
      );
      await emitEvent(tx, {
        type: "payment.created",
        aggregateType: "payment",
        aggregateId: payment.id,
        payload: paymentSnapshot(payment),
        at: now,
      });

      let subscription: SubscriptionEffect | null = null;
      if (payment.status === "succeeded") {
        subscription = await extendForPayment(tx, ctx, payment, now, p.reason);
        await emitEvent(tx, {
          type: "payment.completed",
          aggregateType: "payment",
          aggregateId: payment.id,
          payload: { ...paymentSnapshot(payment), subscription },
          at: now,
        });
      }
      await step(ctx, "payment.done");
      return { payment, created: true, subscription };
    });
  } catch (err) {
    if (isUniqueViolation(err, "payments_one_trial_per_plan")) throw ServiceError.field("plan", TRIAL_TAKEN);
    if (isUniqueViolation(err, "payments_provider_payment_key") && p.providerPaymentId) {
      // Lost a race with the same provider event: the winner's payment is the answer.
      const [existing] = await ctx.db
        .select()
        .from(payments)
        .where(and(eq(payments.provider, p.provider), eq(payments.providerPaymentId, p.providerPaymentId)));
      if (existing) return { payment: existing, created: false, subscription: null };
    }
    throw err;
  }
}
