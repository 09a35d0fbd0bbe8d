"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { paymentStatuses } from "@/db/schema/enums";
import { defineAction } from "@/lib/auth/action";
import { nowOf } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { searchCustomers } from "@/lib/customers/search";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { submitPayment } from "@/lib/payments/create";
import { previewCreateEffect, previewRefundEffect, previewTransitionEffect } from "@/lib/payments/preview";
import { actThroughProvider } from "@/lib/payments/provider-action";
import { submitRefund } from "@/lib/payments/refund";
import { decideReview } from "@/lib/payments/review-decision";
import { syncPayment } from "@/lib/payments/sync";
import { updatePayment } from "@/lib/payments/update";
import { createCustomerInput } from "@/lib/validation/customer";
import {
  changeStatusInput,
  createPaymentInput,
  paymentIdInput,
  providerActionInput,
  refundInput,
  reviewDecisionInput,
  updatePaymentInput,
} from "@/lib/validation/payment";

// Each export is one verb through the one wrapper (session → permission → schema → service).

export const createPaymentAction = defineAction({
  permission: "payment.create",
  input: createPaymentInput,
  async run(ctx, _input, raw) {
    const result = await submitPayment(ctx, raw);
    if (result.status === "awaiting_approval") {
      // Held for a second admin (lib/approvals): nothing was recorded but the request.
      revalidatePath("/approvals");
      return {
        awaitingApproval: true as const,
        approvalRequestId: result.approvalRequestId,
        expiresAt: result.expiresAt,
        message: result.message,
      };
    }
    revalidatePath("/payments");
    return {
      awaitingApproval: false as const,
      id: result.payment.id,
      created: result.created,
      status: result.payment.status,
      validUntil: result.subscription?.currentPeriodEnd ?? null,
    };
  },
});

export const changeStatusAction = defineAction({
  permission: "payment.change_status",
  input: changeStatusInput,
  async run(ctx, _input, raw) {
    const result = await changePaymentStatus(ctx, raw);
    revalidatePath(`/payments/${result.payment.id}`);
    return {
      id: result.payment.id,
      status: result.payment.status,
      changed: result.changed,
      validUntil: result.subscription?.currentPeriodEnd ?? null,
    };
  },
});

export const refundAction = defineAction({
  permission: "payment.refund",
  input: refundInput,
  async run(ctx, _input, raw) {
    const result = await submitRefund(ctx, raw);
    if (result.status === "awaiting_approval") {
      // Held for a second admin (lib/approvals): nothing was refunded yet.
      revalidatePath("/approvals");
      return {
        outcome: "awaiting_approval" as const,
        approvalRequestId: result.approvalRequestId,
        expiresAt: result.expiresAt,
        message: result.message,
      };
    }
    revalidatePath(`/payments/${result.payment.id}`);
    return {
      id: result.payment.id,
      status: result.payment.status,
      refundedMinor: result.payment.refundedMinor,
      refundAmountMinor: result.refund.amountMinor,
      currency: result.payment.currency,
      refundId: result.refund.id,
      refundStatus: result.refund.status,
      /** `pending` is not an error: the provider has not confirmed yet; `message` says what to do. */
      outcome: result.outcome,
      message: result.message,
    };
  },
});

export const syncPaymentAction = defineAction({
  permission: "payment.sync",
  input: paymentIdInput,
  async run(ctx, _input, raw) {
    const result = await syncPayment(ctx, raw);
    revalidatePath(`/payments/${result.payment.id}`);
    return {
      id: result.payment.id,
      status: result.payment.status,
      changed: result.changed,
      notes: result.notes,
    };
  },
});

export const providerAction = defineAction({
  permission: "payment.sync",
  input: providerActionInput,
  async run(ctx, input, raw) {
    const result = await actThroughProvider(ctx, raw);
    revalidatePath(`/payments/${input.paymentId}`);
    return {
      id: input.paymentId,
      status: result.payment?.status ?? null,
      changed: result.changed,
      notes: result.notes,
    };
  },
});

export const reviewDecisionAction = defineAction({
  permission: "review.resolve",
  input: reviewDecisionInput,
  async run(ctx, _input, raw) {
    const result = await decideReview(ctx, raw);
    revalidatePath(`/payments/${result.payment.id}`);
    revalidatePath("/review");
    return {
      id: result.payment.id,
      status: result.payment.status,
      validUntil: result.subscription?.currentPeriodEnd ?? null,
    };
  },
});

export const updatePaymentAction = defineAction({
  permission: "payment.update",
  input: updatePaymentInput,
  async run(ctx, _input, raw) {
    const result = await updatePayment(ctx, raw);
    revalidatePath(`/payments/${result.payment.id}`);
    return { id: result.payment.id, changed: result.changed, version: result.payment.version };
  },
});

export const createCustomerAction = defineAction({
  permission: "customer.create",
  input: createCustomerInput,
  async run(ctx, _input, raw) {
    const customer = await createCustomer(ctx, raw);
    return { id: customer.id, email: customer.email, name: customer.name };
  },
});

// Read-only helpers for the forms: customer search and effect previews.

export const searchCustomersAction = defineAction({
  permission: "customer.view",
  input: z.object({ q: z.string().max(254) }),
  run: (ctx, input) => searchCustomers(ctx.db, input.q, 8),
});

export const previewCreateAction = defineAction({
  permission: "payment.create",
  input: z.object({
    customer: z.union([z.string().max(254), z.object({ newCustomerEmail: z.string().max(254) })]),
    plan: z.string().max(50).nullable(),
    kind: z.enum(["manual", "trial"]),
    status: z.enum(["pending", "succeeded"]),
    grantDays: z.number().int().nullable().optional(),
  }),
  run: (ctx, input) => previewCreateEffect(ctx.db, input, nowOf(ctx)),
});

export const previewTransitionAction = defineAction({
  permission: "payment.change_status",
  input: z.object({ paymentId: z.uuid(), status: z.enum(paymentStatuses) }),
  run: (ctx, input) => previewTransitionEffect(ctx.db, input.paymentId, input.status, nowOf(ctx)),
});

export const previewRefundAction = defineAction({
  permission: "payment.refund",
  input: z.object({
    paymentId: z.uuid(),
    amount: z.string().max(40).nullable(),
    revokeAccess: z.boolean(),
    keepAccess: z.boolean().default(false),
  }),
  run: (ctx, input) =>
    previewRefundEffect(
      ctx.db,
      input.paymentId,
      { amount: input.amount, revokeAccess: input.revokeAccess, keepAccess: input.keepAccess },
      nowOf(ctx),
    ),
});
