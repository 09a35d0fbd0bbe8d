"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { uuid } from "@/lib/validation/common";
import { replayWebhookEvent } from "@/lib/webhooks/replay";

// Each export is one verb through the one wrapper (session → permission → schema → service).

/** What replaying the event would change, computed and rolled back: writes nothing. */
export const dryRunReplayAction = defineAction({
  permission: "webhook.replay",
  input: z.object({ eventId: uuid }),
  run: (ctx, input) => replayWebhookEvent(ctx, { eventId: input.eventId, dryRun: true }),
});

export const replayWebhookAction = defineAction({
  permission: "webhook.replay",
  input: z.object({ eventId: uuid }),
  async run(ctx, input) {
    const result = await replayWebhookEvent(ctx, { eventId: input.eventId, dryRun: false });
    revalidatePath(`/webhooks/${result.id}`);
    revalidatePath("/webhooks");
    if (result.paymentId) revalidatePath(`/payments/${result.paymentId}`);
    return result;
  },
});
