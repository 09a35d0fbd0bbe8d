"use server";

import { revalidatePath } from "next/cache";
import { approveRequest, rejectRequest } from "@/lib/approvals/decide";
import { decisionInput } from "@/lib/approvals/schema";
import { defineAction } from "@/lib/auth/action";

// Approve or reject another admin's request (lib/approvals/decide.ts refuses the requester's own).

export const approveRequestAction = defineAction({
  permission: "approval.decide",
  input: decisionInput,
  async run(ctx, _input, raw) {
    const { request, followUp } = await approveRequest(ctx, raw);
    revalidatePath("/approvals");
    return {
      id: request.id,
      status: request.status,
      // A provider refund's outcome is known only after the approval committed.
      result: { ...(request.result as Record<string, unknown> | null), ...followUp },
    };
  },
});

export const rejectRequestAction = defineAction({
  permission: "approval.decide",
  input: decisionInput,
  async run(ctx, _input, raw) {
    const { request } = await rejectRequest(ctx, raw);
    revalidatePath("/approvals");
    return { id: request.id, status: request.status };
  },
});
