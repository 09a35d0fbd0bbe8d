import { z } from "zod";
import { YOOKASSA_ID } from "./api";

/** YooKassa's notification body: `{ type: "notification", event, object }` (API v3). */
const notificationSchema = z.looseObject({
  type: z.literal("notification"),
  event: z.string().regex(/^[a-z_]{1,40}(\.[a-z_]{1,40}){1,3}$/, "not an event name"),
  object: z.looseObject({ id: z.string().regex(YOOKASSA_ID, "not a YooKassa id") }),
});

export interface YooKassaNotification {
  event: string;
  /** The payment's id for `payment.*`, the refund's for `refund.*`, and so on. */
  objectId: string;
}

export type NotificationParse =
  | { ok: true; notification: YooKassaNotification }
  | { ok: false; reason: string };

/** Notifications nest a few levels; a body nested deeper than this is not one (and is not stored). */
export const MAX_DEPTH = 16;

export function parseNotification(payload: unknown): NotificationParse {
  if (depthExceeds(payload, MAX_DEPTH)) {
    return { ok: false, reason: `Not a YooKassa notification (nested deeper than ${MAX_DEPTH} levels)` };
  }
  const parsed = notificationSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    return { ok: false, reason: `Not a YooKassa notification (${where}${issue?.message ?? "invalid"})` };
  }
  return { ok: true, notification: { event: parsed.data.event, objectId: parsed.data.object.id } };
}

/**
 * YooKassa notifications carry no id of their own; one object reaches one event once, so the
 * pair is the delivery's identity (redeliveries of it repeat both).
 */
export function notificationKey(n: YooKassaNotification): string {
  return `${n.objectId}:${n.event}`;
}

/** The payment status each handled payment event claims; the API must confirm it. */
export const PAYMENT_EVENT_STATUS = {
  "payment.waiting_for_capture": "waiting_for_capture",
  "payment.succeeded": "succeeded",
  "payment.canceled": "canceled",
} as const;

export type PaymentEvent = keyof typeof PAYMENT_EVENT_STATUS;

export function isPaymentEvent(event: string): event is PaymentEvent {
  return Object.hasOwn(PAYMENT_EVENT_STATUS, event);
}

export const REFUND_SUCCEEDED = "refund.succeeded";

export function isHandledEvent(event: string): boolean {
  return isPaymentEvent(event) || event === REFUND_SUCCEEDED;
}

/** Iterative, so that no body can exhaust the stack while it is being measured. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
