import { stripeWebhookPost } from "@/lib/webhooks/routes";

// The signature covers the raw bytes: node's runtime, never cached, body read exactly once.
// Paydesk's server answers this route itself (lib/webhooks/routes.ts); this serves `next start` and `next dev`.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = stripeWebhookPost;
