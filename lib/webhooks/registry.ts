import { handleStripeEvent } from "../providers/stripe/handle";
import { handleYooKassaEvent } from "../providers/yookassa/handle";
import type { WebhookHandler, WebhookProvider } from "./types";

/** Which handler applies a stored event, by the provider that sent it. */
export const webhookHandlers: Record<WebhookProvider, WebhookHandler> = {
  stripe: handleStripeEvent,
  yookassa: handleYooKassaEvent,
};

export function isWebhookProvider(value: string): value is WebhookProvider {
  return Object.hasOwn(webhookHandlers, value);
}
