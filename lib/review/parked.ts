import { asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { inboundMessages } from "@/db/schema";
import { parseUserDeleted } from "../accounts/message";

const LIMIT = 200;
const EXCERPT = 300;

export interface ParkedMessageItem {
  id: string;
  subject: string;
  messageId: string;
  receivedAt: Date;
  reason: string;
  /** The start of what was stored of the message (its JSON, or the raw text when it was not JSON). */
  excerpt: string;
  /** Whether a retry has something to run on: a stored payload that reads as a request (the customer may exist now). */
  retryable: boolean;
}

/** Messages from other systems that were parked, oldest first (served by the parked index). */
export async function listParkedMessages(db: Db): Promise<ParkedMessageItem[]> {
  const rows = await db
    .select()
    .from(inboundMessages)
    .where(eq(inboundMessages.status, "parked"))
    .orderBy(asc(inboundMessages.receivedAt), asc(inboundMessages.id))
    .limit(LIMIT);
  return rows.map((r) => {
    const text = r.payload !== null ? JSON.stringify(r.payload) : (r.rawExcerpt ?? "");
    return {
      id: r.id,
      subject: r.subject,
      messageId: r.messageId,
      receivedAt: r.receivedAt,
      reason: r.reason ?? "",
      excerpt: text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text,
      retryable: r.payload !== null && parseUserDeleted(JSON.stringify(r.payload)).ok,
    };
  });
}
