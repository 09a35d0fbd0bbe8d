import type { Payment } from "@/db/schema";
import { ServiceError } from "../errors";
import { formatMinor, parseAmount } from "../money/money";
import { checkTransition } from "./state-machine";

export type RefundPlan =
  | { ok: true; amountMinor: bigint; target: "refunded" | "partially_refunded" }
  /** `field` is "_form" when the payment cannot be refunded at all, "amount" when the amount is wrong. */
  | { ok: false; field: "_form" | "amount"; message: string };

type Refundable = Pick<Payment, "status" | "amountMinor" | "refundedMinor" | "currency">;

/**
 * The one refund rule, shared by the refund verb, its preview and the pages that offer it:
 * what refunding `requestedMinor` (null: everything left) would do to the payment, or why not.
 */
export function planRefund(payment: Refundable, requestedMinor: bigint | null): RefundPlan {
  if (payment.amountMinor === 0n) {
    return {
      ok: false,
      field: "_form",
      message: "A zero-amount payment has nothing to refund: void the trial instead",
    };
  }
  const remaining = payment.amountMinor - payment.refundedMinor;
  const amountMinor = requestedMinor ?? remaining;
  const target =
    payment.refundedMinor + amountMinor === payment.amountMinor ? "refunded" : "partially_refunded";
  const check = checkTransition(payment.status, target, "refund", payment.amountMinor);
  if (!check.ok) return { ok: false, field: "_form", message: check.reason };
  if (amountMinor <= 0n) return { ok: false, field: "amount", message: "Refund amount must be positive" };
  if (amountMinor > remaining) {
    return {
      ok: false,
      field: "amount",
      message: `At most ${formatMinor(remaining, payment.currency)} ${payment.currency} is left to refund`,
    };
  }
  return { ok: true, amountMinor, target };
}

/**
 * `planRefund` for a verb's input (the amount as typed; absent for everything that is left),
 * throwing the verb's errors. Used before asking a provider and again under the payment's lock.
 */
export function requireRefundPlan(
  payment: Refundable,
  amount: string | null | undefined,
): Extract<RefundPlan, { ok: true }> {
  let requested: bigint | null = null;
  // A zero-amount payment is refused as such, before its amount is looked at.
  if (amount && payment.amountMinor !== 0n) {
    const parsed = parseAmount(amount, payment.currency);
    if (!parsed.ok) throw ServiceError.field("amount", parsed.error);
    requested = parsed.minor;
  }
  const plan = planRefund(payment, requested);
  if (!plan.ok) {
    throw plan.field === "amount"
      ? ServiceError.field("amount", plan.message)
      : new ServiceError("invalid_transition", plan.message);
  }
  return plan;
}
