"use server";

import { revalidatePath } from "next/cache";
import { retryInboundInput, retryParkedMessage } from "@/lib/accounts/retry";
import { defineAction } from "@/lib/auth/action";
import { dismissRefundSuggestion, dismissSuggestionInput } from "@/lib/review/suggestions";

// One verb per action through the one wrapper (session → permission → schema → service).

export const dismissSuggestionAction = defineAction({
  permission: "review.resolve",
  input: dismissSuggestionInput,
  async run(ctx, _input, raw) {
    const suggestion = await dismissRefundSuggestion(ctx, raw);
    revalidatePath("/review");
    return { id: suggestion.id, status: suggestion.status };
  },
});

/** Re-runs a parked message on what was stored of it; the verb also requires `inbound.view`. */
export const retryParkedAction = defineAction({
  permission: "review.resolve",
  input: retryInboundInput,
  async run(ctx, _input, raw) {
    const result = await retryParkedMessage(ctx, raw);
    revalidatePath("/review");
    return {
      outcome: result.outcome,
      reason: result.outcome === "parked" ? result.reason : null,
      alreadyErased: result.outcome === "processed" ? result.alreadyErased : false,
    };
  },
});
