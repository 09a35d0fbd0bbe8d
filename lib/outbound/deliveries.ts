import { and, asc, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import {
  staffUsers,
  type WebhookDelivery,
  type WebhookDeliveryAttempt,
  webhookDeliveries,
  webhookDeliveryAttempts,
} from "@/db/schema";
import { decodeCursorPayload, encodeCursorPayload, isIsoMillis } from "../pagination/cursor";
import { isUuid } from "../validation/common";

export const DELIVERY_PAGE_SIZE = 25;

export interface DeliveryAttemptView extends WebhookDeliveryAttempt {
  /** Who asked for it (a resend), or null for the schedule. */
  manualByEmail: string | null;
}

export interface DeliveryLogItem extends WebhookDelivery {
  /** Oldest first. */
  attemptLog: DeliveryAttemptView[];
}

export interface DeliveryLogPage {
  rows: DeliveryLogItem[];
  /** The cursor of the next (older) page, or null on the last page. */
  nextCursor: string | null;
}

interface Boundary {
  createdAt: Date;
  id: string;
}

export function encodeDeliveryCursor(row: Boundary): string {
  return encodeCursorPayload({ c: row.createdAt.toISOString(), i: row.id });
}

/** The boundary a cursor names, or null for a cursor that is not one of ours (the first page). */
export function decodeDeliveryCursor(cursor: string | null | undefined): Boundary | null {
  const payload = decodeCursorPayload(cursor ?? null);
  if (!payload) return null;
  const { c, i } = payload;
  if (typeof c !== "string" || !isIsoMillis(c) || typeof i !== "string" || !isUuid(i)) return null;
  return { createdAt: new Date(c), id: i.toLowerCase() };
}

/**
 * An endpoint's deliveries, newest first, by keyset on (created_at, id) (the index
 * webhook_deliveries_endpoint_idx), each with its attempts.
 */
export async function listDeliveries(
  db: Queryable,
  endpointId: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<DeliveryLogPage> {
  const limit = Math.min(Math.max(options.limit ?? DELIVERY_PAGE_SIZE, 1), 200);
  const after = decodeDeliveryCursor(options.cursor);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId.toLowerCase()),
        after
          ? or(
              lt(webhookDeliveries.createdAt, after.createdAt),
              and(eq(webhookDeliveries.createdAt, after.createdAt), lt(webhookDeliveries.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const attempts = page.length
    ? await db
        .select({ attempt: webhookDeliveryAttempts, manualByEmail: staffUsers.email })
        .from(webhookDeliveryAttempts)
        .leftJoin(staffUsers, eq(staffUsers.id, webhookDeliveryAttempts.manualByStaffId))
        .where(
          inArray(
            webhookDeliveryAttempts.deliveryId,
            page.map((d) => d.id),
          ),
        )
        .orderBy(asc(webhookDeliveryAttempts.deliveryId), asc(webhookDeliveryAttempts.attempt))
    : [];
  const byDelivery = new Map<string, DeliveryAttemptView[]>();
  for (const { attempt, manualByEmail } of attempts) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push({ ...attempt, manualByEmail });
    byDelivery.set(attempt.deliveryId, list);
  }
  const last = page[page.length - 1];
  return {
    rows: page.map((d) => ({ ...d, attemptLog: byDelivery.get(d.id) ?? [] })),
    nextCursor: rows.length > limit && last ? encodeDeliveryCursor(last) : null,
  };
}
