import type { Tx } from "@/db/client";
import { appendAudit } from "../audit/append";
import type { ServiceContext } from "../context";
import { emitEvent } from "../events/emit";
import type { ApprovalRequest } from "./types";

export type ApprovalEventType =
  | "approval.requested"
  | "approval.approved"
  | "approval.rejected"
  | "approval.expired"
  | "approval.failed";

/** The same fields for every approval event and audit entry, so consumers read one shape. */
export function approvalSnapshot(r: ApprovalRequest) {
  return {
    id: r.id,
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    status: r.status,
    reason: r.reason,
    matchedRules: r.matchedRules,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
    decisionReason: r.decisionReason,
    failure: r.failure,
  };
}

/**
 * One step of a request's life: its audit entry (`approval.request`, `approval.approve`, …) and
 * its domain event, in the caller's transaction (which holds the request's row lock or created it).
 */
export async function recordStep(
  tx: Tx,
  ctx: ServiceContext,
  step: {
    audit: string;
    event: ApprovalEventType;
    before: ApprovalRequest | null;
    after: ApprovalRequest;
    reason: string | null;
    at: Date;
  },
): Promise<void> {
  await appendAudit(
    tx,
    ctx,
    {
      action: step.audit,
      entityType: "approval_request",
      entityId: step.after.id,
      before: step.before ? approvalSnapshot(step.before) : null,
      after: approvalSnapshot(step.after),
      reason: step.reason,
    },
    { entityLocked: true },
  );
  await emitEvent(tx, {
    type: step.event,
    aggregateType: "approval_request",
    aggregateId: step.after.id,
    payload: approvalSnapshot(step.after),
    at: step.at,
  });
}
