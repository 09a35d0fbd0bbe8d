import type { HandlerResult } from "@/lib/webhooks/types";

export function ignored(reason: string, paymentId?: string | null): HandlerResult {
  return { outcome: "ignored", reason, paymentId: paymentId ?? null };
}

export function eventLabel(event: { id: string; type: string }): string {
  return `Stripe ${event.type} (${event.id})`;
}
