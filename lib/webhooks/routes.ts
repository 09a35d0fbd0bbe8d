import { getDatabase } from "@/db/runtime";
import { registerDirectPost } from "@/lib/http/direct-routes";
import { observeDelivery } from "@/lib/metrics/webhook-delivery";
import {
  receiveStripeWebhook,
  MAX_BODY_BYTES as STRIPE_MAX_BODY_BYTES,
} from "@/lib/providers/stripe/receive";
import { notificationKey, parseNotification } from "@/lib/providers/yookassa/notification";
import {
  receiveYooKassaNotification,
  MAX_BODY_BYTES as YOOKASSA_MAX_BODY_BYTES,
} from "@/lib/providers/yookassa/receive";

/**
 * The provider webhook endpoints: `POST /api/webhooks/stripe` and `POST /api/webhooks/yookassa`.
 * The route files export them for Next; Paydesk's server answers them itself, ahead of Next
 * (registerWebhookRoutes, lib/http/direct-routes.ts). No session, no next-auth: the signature
 * (Stripe) or the source address and the API's answer (YooKassa) are the authentication.
 */

// The process-wide database (db/runtime.ts), not lib/auth/current: nothing of next-auth is loaded here.
const database = async () => (await getDatabase()).db;

export function stripeWebhookPost(req: Request): Promise<Response> {
  return observeDelivery("stripe", req, (r) => receiveStripeWebhook(r, { database }), stripeEventId);
}

export function yookassaWebhookPost(req: Request): Promise<Response> {
  return observeDelivery(
    "yookassa",
    req,
    (r) => receiveYooKassaNotification(r, { database }),
    yookassaEventId,
  );
}

export function registerWebhookRoutes(): void {
  registerDirectPost("/api/webhooks/stripe", {
    handler: stripeWebhookPost,
    maxBodyBytes: STRIPE_MAX_BODY_BYTES,
  });
  registerDirectPost("/api/webhooks/yookassa", {
    handler: yookassaWebhookPost,
    maxBodyBytes: YOOKASSA_MAX_BODY_BYTES,
  });
}

/** The event's own id (`evt_…`), for the delivery's log line. */
function stripeEventId(body: string): string | null {
  const id = (JSON.parse(body) as { id?: unknown }).id;
  return typeof id === "string" ? id.slice(0, 255) : null;
}

/** The notification's identity as stored (`<object id>:<event>`), for the delivery's log line. */
function yookassaEventId(body: string): string | null {
  const parsed = parseNotification(JSON.parse(body));
  return parsed.ok ? notificationKey(parsed.notification) : null;
}
