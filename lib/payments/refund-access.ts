import type { Refund } from "@/db/schema";

export type RefundAccessEffect = "revoked" | "revokes_once_confirmed";

/**
 * What each refund does to the payment's access, for display: the access rule of
 * lib/payments/access.ts read per refund. A succeeded refund took access when it asked to, or
 * when it completed the total and no refund asked to keep it; a pending one will, on the same
 * terms, once the provider confirms it. Pure (no database), so pages can use it.
 */
export function refundAccessEffects(
  payment: { amountMinor: bigint; refundedMinor: bigint; status: string },
  refunds: readonly Pick<Refund, "id" | "status" | "amountMinor" | "revokedAccess" | "keepAccess">[],
): Map<string, RefundAccessEffect> {
  const effects = new Map<string, RefundAccessEffect>();
  const succeeded = refunds.filter((r) => r.status === "succeeded");
  const completedBy =
    payment.status === "refunded" && !succeeded.some((r) => r.keepAccess) ? succeeded.at(-1)?.id : undefined;
  for (const r of refunds) {
    if (r.status === "succeeded" && (r.revokedAccess || r.id === completedBy)) effects.set(r.id, "revoked");
    const completes = !r.keepAccess && payment.refundedMinor + r.amountMinor === payment.amountMinor;
    if (r.status === "pending" && (r.revokedAccess || completes)) effects.set(r.id, "revokes_once_confirmed");
  }
  return effects;
}
