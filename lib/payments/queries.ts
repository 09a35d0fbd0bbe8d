import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { customers, disputes, payments, plans, refunds, subscriptionGrants } from "@/db/schema";
import type { PaymentStatus } from "@/db/schema/enums";
import { findCustomer } from "../customers/resolve";
import { ServiceError } from "../errors";
import { isUuid } from "../validation/common";

export async function getPaymentDetail(db: Queryable, paymentId: string) {
  if (!isUuid(paymentId)) throw ServiceError.notFound(`No payment with id ${paymentId}`);
  const [row] = await db
    .select({ payment: payments, customer: customers, plan: plans })
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .where(eq(payments.id, paymentId));
  if (!row) throw ServiceError.notFound(`No payment with id ${paymentId}`);
  const refundRows = await db
    .select()
    .from(refunds)
    .where(eq(refunds.paymentId, paymentId))
    .orderBy(asc(refunds.createdAt));
  const [grant] = await db
    .select()
    .from(subscriptionGrants)
    .where(eq(subscriptionGrants.paymentId, paymentId));
  const disputeRows = await db
    .select()
    .from(disputes)
    .where(eq(disputes.paymentId, paymentId))
    .orderBy(asc(disputes.openedAt));
  return { ...row, refunds: refundRows, disputes: disputeRows, grant: grant ?? null };
}

export interface ListPaymentsFilter {
  customer?: string;
  status?: PaymentStatus;
  limit?: number;
}

export async function listPayments(db: Queryable, filter: ListPaymentsFilter = {}) {
  const where: SQL[] = [];
  if (filter.customer) {
    const customer = await findCustomer(db, filter.customer);
    if (!customer) throw ServiceError.field("customer", `No customer matches "${filter.customer}"`);
    where.push(eq(payments.customerId, customer.id));
  }
  if (filter.status) where.push(eq(payments.status, filter.status));
  return (
    db
      .select({
        id: payments.id,
        createdAt: payments.createdAt,
        status: payments.status,
        kind: payments.kind,
        provider: payments.provider,
        amountMinor: payments.amountMinor,
        refundedMinor: payments.refundedMinor,
        currency: payments.currency,
        customerEmail: customers.email,
        planCode: plans.code,
      })
      .from(payments)
      .innerJoin(customers, eq(customers.id, payments.customerId))
      .leftJoin(plans, eq(plans.id, payments.planId))
      .where(where.length ? and(...where) : undefined)
      // Spelled as the index is (drizzle writes DESC NULLS LAST), or Postgres sorts the table.
      .orderBy(sql`${payments.createdAt} desc nulls last`, sql`${payments.id} desc nulls last`)
      .limit(clampLimit(filter.limit))
  );
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isInteger(limit)) return 50;
  return Math.min(Math.max(limit, 1), 1000);
}
