import type { Payment } from "@/db/schema";

/** What the audit log records of a payment before and after a change. */
export function paymentSnapshot(p: Payment) {
  return {
    status: p.status,
    amountMinor: p.amountMinor,
    refundedMinor: p.refundedMinor,
    currency: p.currency,
    kind: p.kind,
    provider: p.provider,
    providerPaymentId: p.providerPaymentId,
    customerId: p.customerId,
    planId: p.planId,
    method: p.method,
    description: p.description,
    metadata: p.metadata,
    grantDays: p.grantDays,
    version: p.version,
  };
}
