import { z } from "zod";
import { uuid } from "./common";

/** Replaying one stored webhook event (its row id), for real or as a dry run. */
export const replayWebhookInput = z.object({
  eventId: uuid,
  dryRun: z.boolean().default(false),
});

export type ReplayWebhookInput = z.input<typeof replayWebhookInput>;
