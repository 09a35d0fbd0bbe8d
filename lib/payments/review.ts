import type { Payment, Plan } from "@/db/schema";
import { formatMinor } from "../money/money";

/**
 * Why a provider payment does not buy its plan's period by itself, or null when it does:
 * paid in another currency than the plan's, or less than the plan's price. Such a payment is
 * recorded as the provider says, grants nothing, and waits on the review list for a person.
 */
export function planMismatch(
  payment: Pick<Payment, "amountMinor" | "currency">,
  plan: Pick<Plan, "name" | "priceMinor" | "currency">,
): string | null {
  if (payment.currency !== plan.currency) {
    return `Paid in ${payment.currency}, but plan ${plan.name} is priced in ${plan.currency}`;
  }
  if (payment.amountMinor < plan.priceMinor) {
    return `Paid ${formatMinor(payment.amountMinor, payment.currency)} ${payment.currency}, below plan ${plan.name}'s price of ${formatMinor(plan.priceMinor, plan.currency)} ${plan.currency}`;
  }
  return null;
}
