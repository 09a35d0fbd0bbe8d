import { getDatabase } from "@/db/runtime";
import { observeDelivery } from "@/lib/metrics/webhook-delivery";
import { notificationKey, parseNotification } from "@/lib/providers/yookassa/notification";
import { receiveYooKassaNotification } from "@/lib/providers/yookassa/receive";

export const dynamic = "force-dynamic";

/** YooKassa notifications: allowed source (+ optional HMAC) → stored once → applied as the API confirms. */
export async function POST(req: Request): Promise<Response> {
  return observeDelivery(
    "yookassa",
    req,
    (r) => receiveYooKassaNotification(r, { database: async () => (await getDatabase()).db }),
    yookassaEventId,
  );
}

/** The notification's identity as stored (`<object id>:<event>`), for the delivery's log line. */
function yookassaEventId(body: string): string | null {
  const parsed = parseNotification(JSON.parse(body));
  return parsed.ok ? notificationKey(parsed.notification) : null;
}
