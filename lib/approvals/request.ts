import { randomUUID } from "node:crypto";
import type { Tx } from "@/db/client";
import { type ApprovalRuleKind, approvalRequests } from "@/db/schema/approvals";
import { toJson } from "../audit/json";
import { nowOf, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { recordStep } from "./events";
import type { MatchedRule } from "./match";
import type { AwaitingApproval } from "./types";

/** How long a request waits for a second admin before it expires. */
export const APPROVAL_TTL_MS = 7 * 86_400_000;

export interface HoldInput {
  action: ApprovalRuleKind;
  entityType: string;
  entityId: string | null;
  /** The validated input the verb is re-run with on approval. */
  input: Record<string, unknown>;
  /** What the confirmation step showed: the approval compares it with the state at that moment. */
  preview: unknown;
  matchedRules: MatchedRule[];
  reason: string;
}

/**
 * Records a staff action as awaiting approval instead of doing it: one request row, its audit
 * entry (`approval.request`) and its event (`approval.requested`), in the verb's transaction,
 * which writes nothing else.
 */
export async function holdForApproval(
  tx: Tx,
  ctx: ServiceContext,
  hold: HoldInput,
): Promise<AwaitingApproval> {
  if (ctx.actor.type !== "staff") {
    throw new ServiceError("forbidden", "Only a staff member's action can wait for approval");
  }
  const now = nowOf(ctx);
  const [row] = await tx
    .insert(approvalRequests)
    .values({
      id: randomUUID(),
      action: hold.action,
      entityType: hold.entityType,
      entityId: hold.entityId,
      input: toJson(hold.input) as Record<string, unknown>,
      preview: toJson(hold.preview) ?? {},
      matchedRules: hold.matchedRules,
      reason: hold.reason,
      status: "pending",
      requestedBy: ctx.actor.id,
      requestedAt: now,
      expiresAt: new Date(now.getTime() + APPROVAL_TTL_MS),
    })
    .returning();
  if (!row) throw new Error("approval request insert returned nothing");
  await recordStep(tx, ctx, {
    audit: "approval.request",
    event: "approval.requested",
    before: null,
    after: row,
    reason: hold.reason,
    at: now,
  });
  return {
    status: "awaiting_approval",
    approvalRequestId: row.id,
    expiresAt: row.expiresAt,
    message: `Awaiting approval: another admin must approve this (${hold.matchedRules.map((r) => r.why).join("; ")}). Nothing was changed yet.`,
  };
}
