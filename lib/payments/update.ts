import canonicalize from "canonicalize";
import { eq } from "drizzle-orm";
import { type Payment, payments } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { parseInput } from "../validation/parse";
import { type UpdatePaymentInput, updatePaymentInput } from "../validation/payment";
import { lockPayment } from "./lock";

export interface UpdatePaymentResult {
  payment: Payment;
  changed: boolean;
}

/** Edits what may change on a payment without touching money: description and metadata. */
export async function updatePayment(
  ctx: ServiceContext,
  raw: UpdatePaymentInput,
): Promise<UpdatePaymentResult> {
  assertCan(ctx, "payment.update");
  const input = parseInput(updatePaymentInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const before = await lockPayment(tx, input.paymentId);
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
      throw new ServiceError("conflict", "This payment was changed by someone else: reload and try again");
    }
    const description = input.description === undefined ? before.description : input.description || null;
    const metadata =
      input.metadata === undefined ? before.metadata : (input.metadata as Record<string, unknown>);
    // Key order carries no meaning in JSON: compare canonical forms.
    const unchanged =
      description === before.description && canonicalize(metadata) === canonicalize(before.metadata);
    if (unchanged) return { payment: before, changed: false };

    const [payment] = await tx
      .update(payments)
      .set({ description, metadata, updatedAt: now, version: before.version + 1 })
      .where(eq(payments.id, before.id))
      .returning();
    if (!payment) throw new Error("payment update lost");
    await step(ctx, "payment.written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "payment.update",
        entityType: "payment",
        entityId: payment.id,
        before: { description: before.description, metadata: before.metadata, version: before.version },
        after: { description: payment.description, metadata: payment.metadata, version: payment.version },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    await emitEvent(tx, {
      type: "payment.updated",
      aggregateType: "payment",
      aggregateId: payment.id,
      payload: { description: payment.description, metadata: payment.metadata },
      at: now,
    });
    await step(ctx, "payment.done");
    return { payment, changed: true };
  });
}
