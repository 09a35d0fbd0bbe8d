import { z } from "zod";
import { requiredText, uuid } from "../validation/common";

/** Shared by the settings form, its action, the CLI and the service verb. */
export const createApiKeyInput = z.object({
  name: requiredText("Name", 100),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInput>;

export const revokeApiKeyInput = z.object({
  apiKeyId: uuid,
});
export type RevokeApiKeyInput = z.input<typeof revokeApiKeyInput>;
