import type { PaymentStatus } from "@/db/schema/enums";

/**
 * How a status change is being made: refunds are the only way into the refunded states, and
 * a reversal (a counted refund that failed at the provider) the only way back out of them.
 */
export type TransitionCause = "manual" | "provider" | "refund" | "reversal";

export type TransitionCheck = { ok: true; noop: boolean } | { ok: false; reason: string };

const TERMINAL: ReadonlySet<PaymentStatus> = new Set(["failed", "canceled", "refunded"]);

const STATUS_CHANGES: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ["processing", "succeeded", "failed", "canceled"],
  processing: ["succeeded", "failed", "canceled"],
  succeeded: [],
  partially_refunded: [],
  failed: [],
  canceled: [],
  refunded: [],
};

const REFUND_CHANGES: Partial<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  succeeded: ["partially_refunded", "refunded"],
  partially_refunded: ["partially_refunded", "refunded"],
};

/**
 * What only a provider's own state can do: an asynchronous payment that was settling
 * (a bank debit) can fail its attempt and wait for another method again (Stripe's
 * `processing` → `requires_payment_method`).
 */
const PROVIDER_CHANGES: Partial<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  processing: ["pending"],
};

const REVERSAL_CHANGES: Partial<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  partially_refunded: ["succeeded", "partially_refunded"],
  refunded: ["succeeded", "partially_refunded"],
};

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * The payment status machine of ARCHITECTURE.md §1. `amountMinor` matters for one edge:
 * a succeeded zero-amount payment (a trial) can be voided to `canceled`.
 */
export function checkTransition(
  from: PaymentStatus,
  to: PaymentStatus,
  cause: TransitionCause,
  amountMinor: bigint,
): TransitionCheck {
  if (cause === "refund") {
    if ((REFUND_CHANGES[from] ?? []).includes(to)) return { ok: true, noop: false };
    return {
      ok: false,
      reason:
        from === "refunded"
          ? "This payment is already fully refunded"
          : `Only a succeeded payment can be refunded (this one is ${from.replace("_", " ")})`,
    };
  }
  if (cause === "reversal") {
    if ((REVERSAL_CHANGES[from] ?? []).includes(to)) return { ok: true, noop: false };
    return { ok: false, reason: `Only a refunded payment can have a refund reversed (this one is ${from})` };
  }
  // Repeating the current status changes nothing: duplicate webhooks and double clicks are safe.
  if (from === to) return { ok: true, noop: true };
  if (to === "partially_refunded" || to === "refunded") {
    return { ok: false, reason: `A payment becomes ${to} only through a refund` };
  }
  if (STATUS_CHANGES[from].includes(to)) return { ok: true, noop: false };
  if (cause === "provider" && (PROVIDER_CHANGES[from] ?? []).includes(to)) return { ok: true, noop: false };
  if (from === "succeeded" && to === "canceled" && amountMinor === 0n) return { ok: true, noop: false };
  return { ok: false, reason: refusal(from, to) };
}

function refusal(from: PaymentStatus, to: PaymentStatus): string {
  if (isTerminal(from)) return `A ${from} payment is final: create a new payment instead`;
  if (from === "succeeded" || from === "partially_refunded") {
    return to === "canceled"
      ? `Only a zero-amount trial can be voided once succeeded; refund this payment instead`
      : `A ${from.replace("_", " ")} payment can only be refunded`;
  }
  return `Cannot change a ${from} payment to ${to}`;
}

/**
 * Why staff may not set this payment's status by hand, or null when they may: a provider's
 * payment follows the provider (sync it, or capture/cancel through the provider instead).
 */
export function manualChangeRefusal(payment: { provider: string }): string | null {
  if (payment.provider === "manual") return null;
  const name =
    payment.provider === "stripe"
      ? "Stripe"
      : payment.provider === "yookassa"
        ? "YooKassa"
        : payment.provider;
  return `The status of a ${name} payment follows ${name}: sync it from ${name}, or capture or cancel it through ${name}, instead of setting it by hand`;
}

/** The statuses an admin may pick by hand (used to offer only valid actions). */
export function manualTargets(payment: {
  status: PaymentStatus;
  amountMinor: bigint;
  provider: string;
}): PaymentStatus[] {
  if (manualChangeRefusal(payment)) return [];
  const all: PaymentStatus[] = ["pending", "processing", "succeeded", "failed", "canceled"];
  return all.filter(
    (to) => to !== payment.status && checkTransition(payment.status, to, "manual", payment.amountMinor).ok,
  );
}
