import { z } from "zod";
import { EVENT_TYPES, isEventType } from "../events/catalogue";
import { isStorableText, text, uuid } from "../validation/common";

/**
 * Shared by the form, the actions, the CLI and the verbs. The scheme and the SSRF rule are the
 * verb's (lib/outbound/address.ts): they depend on the server's WEBHOOK_ALLOW_PRIVATE and DNS.
 */
export const endpointUrl = z
  .string({ error: "URL is required" })
  .trim()
  .min(1, "URL is required")
  .max(2_000, "URL must be at most 2000 characters")
  .refine(isStorableText, "URL contains an invalid character")
  .refine((value) => {
    try {
      return ["http:", "https:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, "Enter a full URL, e.g. https://example.com/webhooks");

/** Event types from the catalogue, at least one; stored once each, in catalogue order. */
export const endpointEventTypes = z
  .array(z.string().trim(), { error: "Choose at least one event type" })
  .min(1, "Choose at least one event type")
  .superRefine((types, issue) => {
    const unknown = types.filter((t) => !isEventType(t));
    if (unknown.length) {
      issue.addIssue({
        code: "custom",
        message: `Unknown event type${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`,
      });
    }
  })
  .transform((types) => EVENT_TYPES.filter((t) => types.includes(t)));

export const createEndpointInput = z.object({
  url: endpointUrl,
  eventTypes: endpointEventTypes,
  description: text("Description", 500).optional().nullable(),
});
export type CreateEndpointInput = z.input<typeof createEndpointInput>;

export const endpointId = uuid;

export const endpointRefInput = z.object({ endpointId });
export type EndpointRefInput = z.input<typeof endpointRefInput>;

export const disableEndpointInput = z.object({
  endpointId,
  reason: text("Reason", 500).optional().nullable(),
});
export type DisableEndpointInput = z.input<typeof disableEndpointInput>;

export const resendDeliveryInput = z.object({ deliveryId: uuid });
export type ResendDeliveryInput = z.input<typeof resendDeliveryInput>;
