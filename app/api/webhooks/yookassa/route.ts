import { yookassaWebhookPost } from "@/lib/webhooks/routes";

// YooKassa notifications: allowed source (+ optional HMAC) → stored once → applied as the API confirms.
// Paydesk's server answers this route itself (lib/webhooks/routes.ts); this serves `next start` and `next dev`.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = yookassaWebhookPost;
