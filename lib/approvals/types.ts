import type { approvalRequests, approvalRules } from "@/db/schema/approvals";
import type { Actor } from "../context";

export type ApprovalRequest = typeof approvalRequests.$inferSelect;
export type ApprovalRule = typeof approvalRules.$inferSelect;

/** A held action's answer: nothing was done yet; a second admin decides. */
export interface AwaitingApproval {
  status: "awaiting_approval";
  approvalRequestId: string;
  expiresAt: Date;
  message: string;
}

/** Passed to a verb re-run by `approveRequest`: it is not held again, and its audit says who approved. */
export interface ApprovalGrant {
  requestId: string;
  approvedBy: Extract<Actor, { type: "staff" }>;
}

export function isAwaitingApproval(value: unknown): value is AwaitingApproval {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { status?: unknown }).status === "awaiting_approval"
  );
}

/** What the audit entries of an approved action carry beside their snapshot. */
export function approvalNote(grant: ApprovalGrant) {
  return {
    requestId: grant.requestId,
    approvedBy: { id: grant.approvedBy.id, email: grant.approvedBy.email },
  };
}
