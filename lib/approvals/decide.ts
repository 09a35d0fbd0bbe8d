import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { staffUsers } from "@/db/schema";
import { approvalRequests } from "@/db/schema/approvals";
import { toJson } from "../audit/json";
import { type Actor, assertCan, nowOf, type ServiceContext } from "../context";
import { isServiceError, ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import { recordStep } from "./events";
import { enabledRules } from "./match";
import { comparablePreview, describeDifference } from "./previews";
import { type Applied, RERUNS } from "./reruns";
import { type DecisionInput, decisionInput } from "./schema";
import type { ApprovalRequest } from "./types";

type StaffActor = Extract<Actor, { type: "staff" }>;

export const OWN_REQUEST =
  "You asked for this yourself: a different admin must approve or reject it (four eyes)";

function staffOf(ctx: ServiceContext): StaffActor {
  if (ctx.actor.type !== "staff") {
    throw new ServiceError("forbidden", "Only an admin can decide an approval request");
  }
  return ctx.actor;
}

async function lockRequest(tx: Tx, id: string): Promise<ApprovalRequest> {
  const [row] = await tx.select().from(approvalRequests).where(eq(approvalRequests.id, id)).for("update");
  if (!row) throw ServiceError.notFound(`No approval request with id ${id}`);
  return row;
}

function alreadyDecided(row: ApprovalRequest): ServiceError {
  return new ServiceError(
    "conflict",
    `This request is already ${row.status}${row.decidedAt ? ` (${row.decidedAt.toISOString()})` : ""}: nothing was done`,
  );
}

async function close(
  tx: Tx,
  ctx: ServiceContext,
  before: ApprovalRequest,
  change: Partial<ApprovalRequest> & { status: ApprovalRequest["status"] },
  step: {
    audit: string;
    event: "approval.approved" | "approval.rejected" | "approval.expired" | "approval.failed";
    reason: string | null;
  },
  now: Date,
): Promise<ApprovalRequest> {
  const [after] = await tx
    .update(approvalRequests)
    .set({ decidedAt: now, ...change })
    .where(eq(approvalRequests.id, before.id))
    .returning();
  if (!after) throw new Error("approval request vanished under its lock");
  await recordStep(tx, ctx, { ...step, before, after, at: now });
  return after;
}

/** A pending request past its 7 days, closed as expired by whoever touches it first. */
export async function expireLocked(tx: Tx, ctx: ServiceContext, row: ApprovalRequest, now: Date) {
  return close(
    tx,
    ctx,
    row,
    { status: "expired", failure: `Not decided within 7 days (expired ${row.expiresAt.toISOString()})` },
    { audit: "approval.expire", event: "approval.expired", reason: null },
    now,
  );
}

/**
 * Who may decide a request, in one place: under its row lock, a different admin than the one who
 * asked, while it is pending. One past its 7 days is closed as expired here (committed with the
 * caller's transaction) and handed back as `expired` instead, so the caller can say so.
 */
async function lockDecidable(
  tx: Tx,
  ctx: ServiceContext,
  id: string,
  approver: StaffActor,
  now: Date,
): Promise<{ row: ApprovalRequest } | { expired: ApprovalRequest }> {
  const row = await lockRequest(tx, id);
  if (row.requestedBy === approver.id) throw new ServiceError("forbidden", OWN_REQUEST);
  if (row.status !== "pending") throw alreadyDecided(row);
  if (row.expiresAt <= now) return { expired: await expireLocked(tx, ctx, row, now) };
  return { row };
}

export interface DecisionResult {
  request: ApprovalRequest;
  /** What the provider said, for an approved provider refund asked for after the approval committed. */
  followUp?: Record<string, unknown>;
}

/**
 * A different admin approves: under the request's row lock (a second click waits, then finds it
 * decided), it must be pending and unexpired; the preview is computed again against the current
 * state and must equal the stored one, and no rule may match now that did not then; the verb is
 * re-run with the stored input as the requester's action, approved (never held again). Whatever
 * fails closes the request as `failed` (audited) and applies nothing; the error says why.
 */
export async function approveRequest(ctx: ServiceContext, raw: DecisionInput): Promise<DecisionResult> {
  assertCan(ctx, "approval.decide");
  const approver = staffOf(ctx);
  const input = parseInput(decisionInput, raw);
  const now = nowOf(ctx);
  const outcome = await ctx.db.transaction(async (tx) => {
    const locked = await lockDecidable(tx, ctx, input.id, approver, now);
    if ("expired" in locked) return { request: locked.expired, error: "This request expired: ask again" };
    const { row } = locked;
    const fail = async (failure: string) => ({
      request: await close(
        tx,
        ctx,
        row,
        { status: "failed", decidedBy: approver.id, decisionReason: input.reason, failure },
        { audit: "approval.fail", event: "approval.failed", reason: input.reason },
        now,
      ),
      error: failure,
    });

    const rerun = RERUNS[row.action];
    if (!rerun) return fail(`No action of kind ${row.action} can be applied yet`);
    const [requester] = await tx.select().from(staffUsers).where(eq(staffUsers.id, row.requestedBy));
    if (!requester || requester.disabled) return fail("The admin who asked is disabled: ask again");

    const check = await rerun.recheck(tx, row, await enabledRules(tx), now);
    if ("gone" in check) return fail(check.gone);
    if (comparablePreview(check.preview) !== comparablePreview(row.preview)) {
      return fail(describeDifference(row.preview, check.preview));
    }
    const asked = new Set((row.matchedRules as { id: string }[]).map((r) => r.id));
    const added = check.matched.filter((r) => !asked.has(r.id));
    if (added.length > 0) {
      return fail(
        `A rule matches now that did not when it was asked (${added.map((r) => r.why).join("; ")}): ask again`,
      );
    }

    const requesterCtx: ServiceContext = {
      ...ctx,
      db: tx,
      actor: {
        type: "staff",
        id: requester.id,
        email: requester.email,
        name: requester.name,
        role: requester.role,
      },
    };
    let applied: Applied;
    try {
      // A savepoint: a refusal of the verb undoes everything it wrote, and the request records it.
      applied = await tx.transaction((sp) =>
        rerun.apply({ ...requesterCtx, db: sp }, row, { requestId: row.id, approvedBy: approver }),
      );
    } catch (err) {
      if (isServiceError(err)) return fail(`The action was refused when applied: ${err.message}`);
      throw err;
    }
    const request = await close(
      tx,
      ctx,
      row,
      {
        status: "approved",
        decidedBy: approver.id,
        decisionReason: input.reason,
        result: toJson(applied.result) as Record<string, unknown>,
      },
      { audit: "approval.approve", event: "approval.approved", reason: input.reason },
      now,
    );
    const afterCommit = applied.afterCommit;
    return {
      request,
      error: null,
      followUp: afterCommit ? () => afterCommit({ ...requesterCtx, db: ctx.db }) : null,
    };
  });
  // The expiry or failure is kept (committed above); the caller is told it did not apply.
  if (outcome.error) throw new ServiceError("conflict", outcome.error);
  // A provider refund is asked for only now, committed and outside every lock; its refusal or
  // lost answer is the refund's own outcome (recorded on it), not the approval's.
  if ("followUp" in outcome && outcome.followUp) {
    try {
      return { request: outcome.request, followUp: await outcome.followUp() };
    } catch (err) {
      // The provider refused (or failed) the refund: recorded on the refund itself, which is
      // closed as failed. The approval stands; the approver is told what the provider said.
      if (!isServiceError(err)) throw err;
      return { request: outcome.request, followUp: { outcome: "failed", message: err.message } };
    }
  }
  return { request: outcome.request };
}

/** A different admin rejects, with a reason; the request is kept as `rejected`. */
export async function rejectRequest(ctx: ServiceContext, raw: DecisionInput): Promise<DecisionResult> {
  assertCan(ctx, "approval.decide");
  const approver = staffOf(ctx);
  const input = parseInput(decisionInput, raw);
  const now = nowOf(ctx);
  const outcome = await ctx.db.transaction(async (tx) => {
    const locked = await lockDecidable(tx, ctx, input.id, approver, now);
    if ("expired" in locked) return { request: locked.expired, error: "This request had already expired" };
    const { row } = locked;
    const request = await close(
      tx,
      ctx,
      row,
      { status: "rejected", decidedBy: approver.id, decisionReason: input.reason },
      { audit: "approval.reject", event: "approval.rejected", reason: input.reason },
      now,
    );
    return { request, error: null };
  });
  if (outcome.error) throw new ServiceError("conflict", outcome.error);
  return { request: outcome.request };
}
