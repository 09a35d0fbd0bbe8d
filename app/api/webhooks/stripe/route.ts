import { appDb } from "@/lib/auth/current";
import { receiveStripeWebhook } from "@/lib/providers/stripe/receive";

// The signature covers the raw bytes: node's runtime, never cached, body read exactly once.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return receiveStripeWebhook(req, { database: appDb });
}
