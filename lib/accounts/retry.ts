import { eq } from "drizzle-orm";
import { z } from "zod";
import { inboundMessages } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { reason } from "../validation/common";
import { parseInput } from "../validation/parse";
import { parseUserDeleted } from "./message";
import { applyUserDeleted, type UserDeletedResult } from "./user-deleted";

export const retryInboundInput = z.object({
  inboundId: z.uuid("Not a valid message id"),
  reason,
});
export type RetryInboundInput = z.input<typeof retryInboundInput>;

/**
 * Runs a parked message again on what was stored of it (e.g. the customer it names exists now),
 * as the admin who asked: the cancellation and erasure it causes are audited as theirs, and the
 * retry itself too (without the message's content, which may be personal data).
 */
export async function retryParkedMessage(
  ctx: ServiceContext,
  raw: RetryInboundInput,
): Promise<UserDeletedResult> {
  assertCan(ctx, "inbound.view");
  assertCan(ctx, "review.resolve");
  const input = parseInput(retryInboundInput, raw);
  return ctx.db.transaction(async (tx) => {
    const now = nowOf(ctx);
    const [row] = await tx
      .select()
      .from(inboundMessages)
      .where(eq(inboundMessages.id, input.inboundId))
      .for("update");
    if (!row) throw ServiceError.notFound("No such message");
    if (row.status !== "parked") {
      throw new ServiceError(
        "invalid_transition",
        "This message was processed already: there is nothing to retry",
      );
    }
    const body = row.payload !== null ? JSON.stringify(row.payload) : (row.rawExcerpt ?? "");
    const parsed = parseUserDeleted(body);
    if (!parsed.ok) {
      throw new ServiceError("invalid_transition", `The message still cannot be handled: ${parsed.reason}`);
    }
    const result = await applyUserDeleted(tx, ctx, row, parsed.request, now);
    await appendAudit(
      tx,
      ctx,
      {
        action: "inbound_message.retry",
        entityType: "inbound_message",
        entityId: row.id,
        before: { status: "parked", subject: row.subject, messageId: row.messageId },
        after: {
          status: result.outcome,
          customerId: result.outcome === "processed" ? result.customerId : null,
        },
        reason: input.reason,
      },
      { entityLocked: true },
    );
    return result;
  });
}
