import type { Payment, Refund } from "@/db/schema";
import { ServiceError } from "../errors";
import { stripeAdapter } from "./stripe/adapter";
import type { ProviderState, RefundTarget } from "./target";
import { yookassaAdapter } from "./yookassa/adapter";

/**
 * What Paydesk asks of a payment provider. One adapter per provider; every call goes through
 * that provider's client (timeouts, retries with the same idempotency key, circuit breaker)
 * and throws ProviderCallError when there is no usable answer. Adding a provider is a new
 * adapter, not new verbs.
 */
export interface ProviderAdapter {
  name: string;
  /** Everything the provider says now about one payment: status, refunds, disputes. */
  fetchState(providerPaymentId: string, source: string): Promise<ProviderState>;
  /** Asks for a refund with the refund's own idempotency key; the provider's refund as it answered. */
  refund(
    payment: Payment,
    refund: Refund,
  ): Promise<{ provider: "stripe" | "yookassa"; providerPaymentId: string; refund: RefundTarget }>;
  /** Captures an authorised payment (all of it, or `amountMinor`). */
  capture(
    payment: Payment,
    amountMinor: bigint | null,
    idempotencyKey: string,
    source: string,
  ): Promise<ProviderState>;
  /** Releases an authorised (or not yet paid) payment. */
  cancel(payment: Payment, idempotencyKey: string, source: string): Promise<ProviderState>;
  /** Whether staff can capture or cancel this payment now, and why not. */
  canCapture(payment: Payment): string | null;
  canCancel(payment: Payment): string | null;
}

export function providerName(provider: string): string {
  return provider === "stripe" ? "Stripe" : provider === "yookassa" ? "YooKassa" : provider;
}

export function providerAdapter(provider: string): ProviderAdapter {
  if (provider === "stripe") return stripeAdapter;
  if (provider === "yookassa") return yookassaAdapter;
  throw new ServiceError("invalid_transition", "A manual payment has no provider to ask");
}
