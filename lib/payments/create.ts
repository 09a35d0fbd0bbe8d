import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { and, eq } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { type Customer, type Payment, type Plan, payments, plans } from "@/db/schema";
import type { PaymentKind, PaymentMethod, PaymentProvider, PaymentStatus } from "@/db/schema/enums";
import { inTransaction } from "@/db/transaction";
import { enabledRules, isHeldChannel, matchPaymentCreate } from "../approvals/match";
import { paymentCreatePreview } from "../approvals/previews";
import { holdForApproval } from "../approvals/request";
import { type ApprovalGrant, type AwaitingApproval, approvalNote } from "../approvals/types";
import { appendAudit } from "../audit/append";
import { toJson } from "../audit/json";
import { actorLabel, assertCan, nowOf, type ServiceContext, step } from "../context";
import { findCustomer } from "../customers/resolve";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { formatMinor } from "../money/money";
import { extendForPayment, grantDaysFor, type SubscriptionEffect } from "../subscriptions/effects";
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
  /** The customer `customer` names, when the caller has already read it in this transaction. */
  knownCustomer?: Customer;
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

/**
 * What a staff payment does when it matches an approval rule (lib/approvals): `hold` records it
 * as awaiting approval (the web form and the CLI); `refuse` writes nothing and says so (any other
 * caller of the verb, so no path skips the second admin); `approved` is the re-run of a request
 * a different admin approved.
 */
type ApprovalGate = { mode: "hold" } | { mode: "refuse" } | { mode: "approved"; grant: ApprovalGrant };

export const NEEDS_APPROVAL =
  "This action needs a second admin's approval: submit it from the payment form or the CLI, which record it as awaiting approval";

/**
 * Records a payment made out of band (manual) or a zero-amount trial, from the web, CLI or seed.
 * A staff payment that matches an approval rule is refused here (see `submitPayment`), unless it
 * is the approved re-run (`approval`).
 */
export async function createPayment(
  ctx: ServiceContext,
  raw: CreatePaymentInput,
  options: { approval?: ApprovalGrant } = {},
): Promise<CreatePaymentResult> {
  assertCan(ctx, "payment.create");
  const input = parseInput(createPaymentInput, raw);
  const gate: ApprovalGate = options.approval
    ? { mode: "approved", grant: options.approval }
    : { mode: "refuse" };
  const result = await insertPayment(ctx, { ...input, provider: "manual", providerPaymentId: null }, gate);
  if ("approvalRequestId" in result) throw new Error("a refused gate never holds");
  return result;
}

export type SubmitPaymentResult = ({ status: "applied" } & CreatePaymentResult) | AwaitingApproval;

/**
 * The staff entry (payment form, CLI): `createPayment`, except that a payment matching an
 * approval rule is recorded as awaiting approval, with its preview, and nothing else is written.
 */
export async function submitPayment(
  ctx: ServiceContext,
  raw: CreatePaymentInput,
): Promise<SubmitPaymentResult> {
  assertCan(ctx, "payment.create");
  const input = parseInput(createPaymentInput, raw);
  const result = await insertPayment(
    ctx,
    { ...input, provider: "manual", providerPaymentId: null },
    { mode: "hold" },
  );
  return "approvalRequestId" in result ? result : { status: "applied", ...result };
}

/**
 * Records a payment a provider took, as pending, keyed by the provider's payment id: a second
 * call with the same id returns the existing payment unchanged. Its status at the provider is
 * then applied by `applyProviderState`, through the same checks as any later change.
 */
export async function recordProviderPayment(
  ctx: ServiceContext,
  raw: ProviderPaymentInput,
  /** The customer `raw.customer` names (by id), already read in the caller's transaction. */
  knownCustomer?: Customer,
): Promise<CreatePaymentResult> {
  assertCan(ctx, "payment.create");
  const input = parseInput(providerPaymentInput, raw);
  const result = await insertPayment(
    ctx,
    {
      ...input,
      knownCustomer,
      kind: "provider",
      grantDays: null,
      idempotencyKey: null,
      reason: null,
    },
    { mode: "refuse" },
  );
  if ("approvalRequestId" in result) throw new Error("a provider payment is never held");
  return result;
}

function ownTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(fn);
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

async function insertPayment(
  ctx: ServiceContext,
  p: NewPayment,
  gate: ApprovalGate,
): Promise<CreatePaymentResult | AwaitingApproval> {
  const now = nowOf(ctx);
  try {
    // A provider payment is recorded inside applyProviderState's transaction, under its lock on
    // the provider's payment id (so no race on that id can fail it): it joins that transaction
    // without a savepoint. Staff entries and approvals get a transaction (or savepoint) of their own.
    const run = p.kind === "provider" ? inTransaction : ownTransaction;
    return await run(ctx.db, async (tx) => {
      const customer =
        p.knownCustomer?.id === p.customer ? p.knownCustomer : await findCustomer(tx, p.customer);
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

      // Four eyes: checked under this transaction, against the rules as they are now.
      if (gate.mode !== "approved" && p.kind !== "provider" && isHeldChannel(ctx.actor, ctx.via)) {
        const matchedRules = matchPaymentCreate(await enabledRules(tx), {
          kind: p.kind,
          amountMinor: p.amountMinor,
          currency: p.currency,
          daysGranted: plan ? grantDaysFor({ grantDays: p.grantDays, kind: p.kind }, plan) : null,
        });
        if (matchedRules.length > 0) {
          if (gate.mode === "refuse") throw new ServiceError("forbidden", NEEDS_APPROVAL);
          const facts = {
            customerId: customer.id,
            customerEmail: customer.email,
            plan: plan?.code ?? null,
            kind: p.kind,
            status: p.status === "succeeded" ? ("succeeded" as const) : ("pending" as const),
            amountMinor: p.amountMinor,
            currency: p.currency,
            grantDays: p.grantDays,
          };
          return holdForApproval(tx, ctx, {
            action: "payment.create",
            entityType: "customer",
            entityId: customer.id,
            input: {
              customer: customer.id,
              plan: plan?.code ?? null,
              kind: p.kind,
              amount: formatMinor(p.amountMinor, p.currency),
              currency: p.currency,
              status: facts.status,
              method: p.method,
              description: p.description,
              metadata: p.metadata,
              grantDays: p.grantDays,
              idempotencyKey: p.idempotencyKey,
              reason: p.reason,
            },
            preview: await paymentCreatePreview(tx, facts, now),
            matchedRules,
            reason: p.reason ?? "",
          });
        }
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
          after:
            gate.mode === "approved"
              ? { ...paymentSnapshot(payment), approval: approvalNote(gate.grant) }
              : paymentSnapshot(payment),
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
