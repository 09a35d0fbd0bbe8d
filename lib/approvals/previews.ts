import canonicalize from "canonicalize";
import type { Queryable } from "@/db/client";
import type { Payment } from "@/db/schema";
import { toJson } from "../audit/json";
import {
  type CreateEffectPreview,
  type EffectPreview,
  previewCreateEffect,
  previewRefundEffect,
} from "../payments/preview";

/**
 * The previews a held action stores and its approval recomputes: the same preview functions the
 * forms show before confirming (lib/payments/preview.ts), plus the state they were computed from.
 */

export interface PaymentCreatePreview {
  action: "payment.create";
  payment: {
    customerId: string;
    customerEmail: string;
    plan: string | null;
    kind: "manual" | "trial";
    status: "pending" | "succeeded";
    amountMinor: bigint;
    currency: string;
    grantDays: number | null;
  };
  effect: CreateEffectPreview;
}

export async function paymentCreatePreview(
  db: Queryable,
  p: PaymentCreatePreview["payment"],
  now: Date,
): Promise<PaymentCreatePreview> {
  const effect = await previewCreateEffect(
    db,
    { customer: p.customerId, plan: p.plan, kind: p.kind, status: p.status, grantDays: p.grantDays },
    now,
  );
  return { action: "payment.create", payment: p, effect };
}

export interface RefundPreview {
  action: "payment.refund_full";
  payment: Pick<Payment, "id" | "status" | "amountMinor" | "refundedMinor" | "currency" | "version">;
  refund: { amountMinor: bigint; revokeAccess: boolean; keepAccess: boolean };
  effect: EffectPreview;
}

export async function refundPreview(
  db: Queryable,
  payment: Payment,
  refund: RefundPreview["refund"],
  now: Date,
): Promise<RefundPreview> {
  const effect = await previewRefundEffect(
    db,
    payment.id,
    { amountMinor: refund.amountMinor, revokeAccess: refund.revokeAccess, keepAccess: refund.keepAccess },
    now,
  );
  return {
    action: "payment.refund_full",
    payment: {
      id: payment.id,
      status: payment.status,
      amountMinor: payment.amountMinor,
      refundedMinor: payment.refundedMinor,
      currency: payment.currency,
      version: payment.version,
    },
    refund,
    effect,
  };
}

export type ActionPreview = PaymentCreatePreview | RefundPreview;

/**
 * The part of a preview that only the state can change, as stored JSON. An extension's new end
 * is left out when it starts from "now" (no running period): time passing is not a change of state.
 */
export function comparablePreview(preview: unknown): string {
  const json = toJson(preview) as Record<string, unknown>;
  const effect = json.effect as Record<string, unknown> | undefined;
  if (effect && effect.kind === "extend") {
    const { newEnd: _newEnd, ...rest } = effect;
    return canonicalize({ ...json, effect: rest }) ?? "";
  }
  // Canonical key order: the stored copy comes back from jsonb with its keys reordered.
  return canonicalize(json) ?? "";
}

/** Why two previews differ, in a sentence for the request's failure. */
export function describeDifference(stored: unknown, now: unknown): string {
  const a = toJson(stored) as Record<string, Record<string, unknown>>;
  const b = toJson(now) as Record<string, Record<string, unknown>>;
  const changed: string[] = [];
  for (const part of ["payment", "effect", "refund"]) {
    const x = a[part] ?? {};
    const y = b[part] ?? {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (part === "effect" && key === "newEnd" && x.kind === "extend") continue;
      if (canonicalize(x[key]) !== canonicalize(y[key])) {
        changed.push(
          `${part}.${key} was ${JSON.stringify(x[key] ?? null)}, now ${JSON.stringify(y[key] ?? null)}`,
        );
      }
    }
  }
  return `The state changed since the request, so it was not applied: ${changed.join("; ") || "the preview differs"}`;
}
