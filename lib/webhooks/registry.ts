import { handleStripeEvent, stripeUnhandledType } from "../providers/stripe/handle";
import { handleYooKassaEvent } from "../providers/yookassa/handle";
import type { WebhookHandler, WebhookProvider } from "./types";

/** Which handler applies a stored event, by the provider that sent it. */
export const webhookHandlers: Record<WebhookProvider, WebhookHandler> = {
  stripe: handleStripeEvent,
  yookassa: handleYooKassaEvent,
};

/**
 * Per provider, the reason an event type is ignored outright (null when its handler reads it).
 * YooKassa has none: its handler parses the notification before it looks at the type, and a
 * malformed one is ignored for that reason instead.
 */
export const unhandledTypeReason: Partial<Record<WebhookProvider, (type: string) => string | null>> = {
  stripe: stripeUnhandledType,
};

export function isWebhookProvider(value: string): value is WebhookProvider {
  return Object.hasOwn(webhookHandlers, value);
}
