import { z } from "zod";

// Only the fields Paydesk reads; Stripe adds fields freely, so objects are not strict.
const id = z.string().min(1).max(255);
/** An id, or the object itself when the field was expanded. */
const ref = z
  .union([id, z.object({ id })])
  .nullable()
  .optional()
  .transform((v) => (v == null ? null : typeof v === "string" ? v : v.id));
const metadata = z
  .record(z.string(), z.unknown())
  .nullable()
  .optional()
  .transform((m) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m ?? {})) if (typeof v === "string") out[k] = v;
    return out;
  });
const amount = z.number().int().nonnegative();
const currency = z.string().regex(/^[a-zA-Z]{3}$/, "not a currency code");

/** The envelope of a Stripe event (API v1 snapshot events). */
export const stripeEventEnvelope = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, "not a Stripe event id"),
  object: z.literal("event"),
  type: z.string().regex(/^[a-z0-9_.]{1,100}$/, "not a Stripe event type"),
  created: z.number().optional(),
  livemode: z.boolean().optional(),
  data: z.object({ object: z.looseObject({ id: z.string().optional(), object: z.string().optional() }) }),
});
export type StripeEventEnvelope = z.infer<typeof stripeEventEnvelope>;

export const paymentIntentObject = z.object({
  id,
  object: z.literal("payment_intent"),
  amount,
  amount_received: amount.nullable().optional(),
  currency,
  status: z.string().optional(),
  description: z.string().nullable().optional(),
  metadata,
  payment_method_types: z.array(z.string()).optional(),
  cancellation_reason: z.string().nullable().optional(),
  last_payment_error: z
    .object({ message: z.string().optional(), code: z.string().optional() })
    .loose()
    .nullable()
    .optional(),
});
export type StripePaymentIntent = z.infer<typeof paymentIntentObject>;

export const refundObject = z.object({
  id,
  object: z.literal("refund"),
  amount,
  currency,
  status: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  failure_reason: z.string().nullable().optional(),
  payment_intent: ref,
  charge: ref,
  metadata,
});
export type StripeRefund = z.infer<typeof refundObject>;

export const chargeObject = z.object({
  id,
  object: z.literal("charge"),
  amount,
  amount_refunded: amount,
  currency,
  payment_intent: ref,
  refunded: z.boolean().optional(),
  // Present only on older API versions or when expanded.
  refunds: z
    .object({ data: z.array(z.unknown()) })
    .loose()
    .nullable()
    .optional(),
});
export type StripeCharge = z.infer<typeof chargeObject>;

export const disputeObject = z.object({
  id,
  object: z.literal("dispute"),
  amount,
  currency,
  reason: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  payment_intent: ref,
  charge: ref,
  balance_transactions: z.array(z.unknown()).nullable().optional(),
});
export type StripeDispute = z.infer<typeof disputeObject>;

/** The handled event types, by family. */
export const PAYMENT_INTENT_TYPES = [
  "payment_intent.created",
  "payment_intent.requires_action",
  "payment_intent.processing",
  "payment_intent.amount_capturable_updated",
  "payment_intent.partially_funded",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
] as const;
export const REFUND_TYPES = [
  "charge.refunded",
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.refund.updated",
] as const;
export const DISPUTE_TYPES = [
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated",
] as const;

/**
 * The PaymentIntent an event is about: the intent itself, or the one a charge, refund or
 * dispute belongs to. Stored with the event so a later event can find earlier ones.
 */
export function stripeSubjectId(event: StripeEventEnvelope): string | null {
  const object = event.data.object as Record<string, unknown>;
  if (object.object === "payment_intent" && typeof object.id === "string") return object.id;
  const intent = object.payment_intent;
  if (typeof intent === "string") return intent;
  if (intent && typeof intent === "object" && typeof (intent as { id?: unknown }).id === "string") {
    return (intent as { id: string }).id;
  }
  return null;
}

/** zod's first complaint, short enough for an event's reason. */
export function shapeProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "unexpected shape";
  const path = issue.path.length ? issue.path.join(".") : "object";
  return `${path}: ${issue.message}`;
}
