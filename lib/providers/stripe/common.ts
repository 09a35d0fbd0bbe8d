import { and, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type Payment, payments } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import { isServiceError, type ServiceError } from "@/lib/errors";
import type { HandlerResult } from "@/lib/webhooks/types";

export function ignored(reason: string, paymentId?: string | null): HandlerResult {
  return { outcome: "ignored", reason, paymentId: paymentId ?? null };
}

export function processed(reason: string, paymentId: string): HandlerResult {
  return { outcome: "processed", reason, paymentId };
}

/** A refusal by the service (bad data, a transition the state machine forbids): the event is ignored, not failed. */
export function isRefusal(err: unknown): err is ServiceError {
  return (
    isServiceError(err) &&
    (err.code === "validation" ||
      err.code === "not_found" ||
      err.code === "invalid_transition" ||
      err.code === "conflict")
  );
}

export function refusalText(err: ServiceError): string {
  const fields = Object.entries(err.fieldErrors)
    .filter(([k]) => k !== "_form")
    .map(([k, v]) => `${k}: ${v.join(", ")}`);
  return fields.length && !fields.some((f) => f.includes(err.message))
    ? `${err.message} (${fields.join("; ")})`
    : err.message;
}

export async function findStripePayment(db: Queryable, paymentIntentId: string): Promise<Payment | null> {
  const [payment] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, paymentIntentId)));
  return payment ?? null;
}

/**
 * Serialises the events of one PaymentIntent (held to the end of the application's
 * transaction): two events about one intent never interleave, so "no payment yet, wait" and
 * "payment recorded, apply what waited" cannot miss each other.
 */
export async function lockIntent(ctx: ServiceContext, paymentIntentId: string): Promise<void> {
  await ctx.db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`stripe:payment_intent:${paymentIntentId}`}, 0))`,
  );
}

export function eventLabel(event: { id: string; type: string }): string {
  return `Stripe ${event.type} (${event.id})`;
}
