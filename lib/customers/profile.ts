import { eq, inArray } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type Customer, customers, payments, type SubscriptionGrant } from "@/db/schema";
import type { PaymentKind, PaymentStatus } from "@/db/schema/enums";
import { explainLedger, type LedgerStep } from "../subscriptions/ledger";
import { type CustomerSubscription, subscriptionsOf } from "../subscriptions/queries";
import { isUuid } from "../validation/common";

/** The payment behind a grant, as much as the ledger shows of it. */
export interface GrantPayment {
  id: string;
  amountMinor: bigint;
  currency: string;
  status: PaymentStatus;
  kind: PaymentKind;
}

export type ProfileGrant = SubscriptionGrant & { payment: GrantPayment | null };

export interface ProfileSubscription extends Omit<CustomerSubscription, "grants"> {
  /** Every grant in the order it was applied, with the period it counts for now. */
  ledger: LedgerStep<ProfileGrant>[];
  /** The end the live grants explain (null: none is live); equals `currentPeriodEnd` when it is. */
  explainedEnd: Date | null;
}

export interface CustomerProfile {
  customer: Customer;
  subscriptions: ProfileSubscription[];
}

/**
 * A customer by id with each subscription and the grants ledger that explains its end date;
 * null for an unknown or malformed id. The payment history is the payments list filtered by
 * customer (lib/payments/list.ts), paged on its own.
 */
export async function getCustomerProfile(
  db: Queryable,
  id: string,
  now: Date = new Date(),
): Promise<CustomerProfile | null> {
  if (!isUuid(id)) return null;
  const [customer] = await db.select().from(customers).where(eq(customers.id, id.toLowerCase()));
  if (!customer) return null;
  const subs = await subscriptionsOf(db, customer, now);
  const paymentIds = subs.flatMap((s) => s.grants.map((g) => g.paymentId));
  const grantPayments =
    paymentIds.length === 0
      ? []
      : await db
          .select({
            id: payments.id,
            amountMinor: payments.amountMinor,
            currency: payments.currency,
            status: payments.status,
            kind: payments.kind,
          })
          .from(payments)
          .where(inArray(payments.id, paymentIds));
  const paymentBy = new Map(grantPayments.map((p) => [p.id, p]));
  return {
    customer,
    subscriptions: subs.map(({ grants, ...subscription }) => {
      const explained = explainLedger(
        grants.map((g) => ({ ...g, payment: paymentBy.get(g.paymentId) ?? null })),
      );
      return { ...subscription, ledger: explained.steps, explainedEnd: explained.end };
    }),
  };
}
