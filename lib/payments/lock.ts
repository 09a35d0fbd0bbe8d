import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { type Payment, payments } from "@/db/schema";
import { ServiceError } from "../errors";

/** `SELECT … FOR UPDATE` on one payment: always the first lock a payment mutation takes. */
export async function lockPayment(tx: Tx, paymentId: string): Promise<Payment> {
  const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for("update");
  if (!payment) throw ServiceError.notFound(`No payment with id ${paymentId}`);
  return payment;
}
