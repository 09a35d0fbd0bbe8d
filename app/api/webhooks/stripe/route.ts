import { appDb } from "@/lib/auth/current";
import { observeDelivery } from "@/lib/metrics/webhook-delivery";
import { receiveStripeWebhook } from "@/lib/providers/stripe/receive";

// The signature covers the raw bytes: node's runtime, never cached, body read exactly once.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return observeDelivery("stripe", req, (r) => receiveStripeWebhook(r, { database: appDb }), stripeEventId);
}

/** The event's own id (`evt_…`), for the delivery's log line. */
function stripeEventId(body: string): string | null {
  const id = (JSON.parse(body) as { id?: unknown }).id;
  return typeof id === "string" ? id.slice(0, 255) : null;
}
