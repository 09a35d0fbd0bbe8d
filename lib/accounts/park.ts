import type { Db } from "@/db/client";
import { inboundMessages } from "@/db/schema";
import { type ConsumedMessage, excerpt, parseUserDeleted } from "./message";

/**
 * Records a message that kept failing for a reason other than its content (the consumer's last
 * error after its last allowed delivery), so it stops being redelivered and a person sees it.
 * Returns false when the message has a row already (nothing is overwritten).
 */
export async function parkFailedMessage(db: Db, message: ConsumedMessage, why: string): Promise<boolean> {
  const parsed = parseUserDeleted(message.body);
  const text = typeof message.body === "string" ? message.body : new TextDecoder().decode(message.body);
  const inserted = await db
    .insert(inboundMessages)
    .values({
      subject: message.subject,
      messageId: message.messageId,
      streamSeq: message.streamSeq ?? null,
      status: "parked",
      reason: excerpt(why),
      payload: parsed.payload ?? null,
      rawExcerpt: parsed.payload == null ? excerpt(text) : null,
    })
    .onConflictDoNothing({ target: [inboundMessages.subject, inboundMessages.messageId] })
    .returning({ id: inboundMessages.id });
  return inserted.length > 0;
}
