import { z } from "zod";
import { paymentMethods, paymentStatuses } from "@/db/schema/enum-values";
import { MAX_AMOUNT_MINOR, parseAmount } from "../money/money";
import { currency, metadata, reason, text } from "./common";

/** Raw amount field: a decimal string; parsed against the currency at the object level. */
const amountText = z.string({ error: "Enter an amount" }).trim().min(1, "Enter an amount");

export const createPaymentInput = z
  .object({
    customer: text("Customer", 254).pipe(z.string().min(1, "Choose a customer")),
    plan: text("Plan", 50).optional().nullable(),
    kind: z.enum(["manual", "trial"]).default("manual"),
    amount: amountText,
    currency,
    status: z.enum(["pending", "succeeded"]).optional(),
    method: z.enum(paymentMethods).optional().nullable(),
    description: text("Description", 500).optional().nullable(),
    metadata: metadata.optional(),
    grantDays: z.coerce.number().int("Days must be a whole number").min(1).max(3660).optional().nullable(),
    idempotencyKey: text("Idempotency key", 200)
      .pipe(z.string().min(8, "Idempotency key needs at least 8 characters"))
      .optional()
      .nullable(),
    reason,
  })
  .transform((input, zctx) => {
    const parsed = parseAmount(input.amount, input.currency);
    if (!parsed.ok) {
      zctx.addIssue({ code: "custom", path: ["amount"], message: parsed.error });
      return z.NEVER;
    }
    if (input.kind === "trial" && parsed.minor !== 0n) {
      zctx.addIssue({ code: "custom", path: ["amount"], message: "A trial is free: the amount must be 0" });
      return z.NEVER;
    }
    if (input.kind === "manual" && parsed.minor === 0n) {
      zctx.addIssue({
        code: "custom",
        path: ["amount"],
        message: "A manual payment needs a positive amount; record free access as a trial",
      });
      return z.NEVER;
    }
    if (input.kind === "trial" && !input.plan) {
      zctx.addIssue({ code: "custom", path: ["plan"], message: "A trial needs a plan" });
      return z.NEVER;
    }
    return {
      ...input,
      plan: input.plan || null,
      amountMinor: parsed.minor,
      status: input.status ?? (input.kind === "trial" ? "succeeded" : "pending"),
      method: input.method ?? null,
      description: input.description || null,
      metadata: input.metadata ?? {},
      grantDays: input.grantDays ?? null,
      idempotencyKey: input.idempotencyKey || null,
    };
  });
export type CreatePaymentInput = z.input<typeof createPaymentInput>;

export const changeStatusInput = z.object({
  paymentId: z.uuid("Not a valid payment id"),
  status: z.enum(paymentStatuses, { error: `Status must be one of: ${paymentStatuses.join(", ")}` }),
  reason,
});
export type ChangeStatusInput = z.input<typeof changeStatusInput>;

export const refundInput = z.object({
  paymentId: z.uuid("Not a valid payment id"),
  /** Decimal string; omitted (not empty) means everything that is left. */
  amount: z
    .string()
    .trim()
    .min(1, "Enter an amount, or leave the amount out to refund everything that is left")
    .optional()
    .nullable(),
  /** A partial refund that also takes back the access the payment gave. */
  revokeAccess: z.boolean().default(false),
  /** A full refund that leaves the access as it is (compensation cases). */
  keepAccess: z.boolean().default(false),
  /** The bank's reference of a manual refund's transfer. */
  bankReference: text("Bank reference", 100).optional().nullable(),
  reason,
});
export type RefundInput = z.input<typeof refundInput>;

export const updatePaymentInput = z
  .object({
    paymentId: z.uuid("Not a valid payment id"),
    description: text("Description", 500).optional().nullable(),
    metadata: metadata.optional(),
    expectedVersion: z.number().int().positive().optional(),
    reason,
  })
  .refine((v) => v.description !== undefined || v.metadata !== undefined, {
    message: "Nothing to change: give a description or metadata",
    path: ["_form"],
  });
export type UpdatePaymentInput = z.input<typeof updatePaymentInput>;

/** What a provider integration reports about a payment it took (amounts already in minor units). */
export const providerPaymentInput = z.object({
  provider: z.enum(["stripe", "yookassa"]),
  providerPaymentId: text("Provider payment id", 255).pipe(
    z.string().min(1, "Provider payment id is required"),
  ),
  customer: text("Customer", 254).pipe(z.string().min(1, "No customer named in the payment's metadata")),
  plan: text("Plan", 50).nullable(),
  amountMinor: z.bigint().min(0n, "Amount cannot be negative").max(MAX_AMOUNT_MINOR, "Amount is too large"),
  currency,
  /**
   * Paydesk records provider payments pending and applies the provider's status as a change
   * (applyProviderState); the other statuses remain for fixtures that need a payment as is.
   */
  status: z.enum(["pending", "processing", "succeeded", "failed", "canceled"]),
  /** The provider's own status word at recording, and when it was observed. */
  providerStatus: text("Provider status", 64).nullable().default(null),
  providerError: text("Provider error", 500).nullable().default(null),
  providerStateAt: z.date().nullable().default(null),
  method: z.enum(paymentMethods).nullable().default("card"),
  description: text("Description", 500).nullable().default(null),
  metadata: metadata.default({}),
});
export type ProviderPaymentInput = z.input<typeof providerPaymentInput>;

/** A payment named for an action that needs nothing else (Sync), with an optional note. */
export const paymentIdInput = z.object({
  paymentId: z.uuid("Not a valid payment id"),
  reason: text("Reason", 500).optional().nullable(),
});
export type PaymentIdInput = z.input<typeof paymentIdInput>;

/** Capture or cancel an authorised provider payment through the provider. */
export const providerActionInput = z.object({
  paymentId: z.uuid("Not a valid payment id"),
  action: z.enum(["capture", "cancel"], { error: "Action must be capture or cancel" }),
  /** Capture less than authorised (decimal string); omitted means all of it. */
  amount: z
    .string()
    .trim()
    .min(1, "Enter an amount, or leave it out to capture everything")
    .optional()
    .nullable(),
  reason,
});
export type ProviderActionInput = z.input<typeof providerActionInput>;

/** An admin's decision on a provider payment held for review. */
export const reviewDecisionInput = z.object({
  paymentId: z.uuid("Not a valid payment id"),
  decision: z.enum(["grant", "dismiss"], { error: "Decide to grant access or to dismiss" }),
  reason,
});
export type ReviewDecisionInput = z.input<typeof reviewDecisionInput>;
