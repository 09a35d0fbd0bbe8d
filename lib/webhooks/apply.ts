import { and, eq, gte } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { auditLog, webhookEvents } from "@/db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { isDatabaseUnavailable, WebhookUnavailableError } from "./errors";
import { webhookHandlers } from "./registry";
import {
  type ApplyResult,
  type AuditEntrySummary,
  type HandlerResult,
  type StoredWebhookEvent,
  systemActorId,
  type WebhookProvider,
} from "./types";

export interface ApplyOptions {
  /** Recorded on every audit entry the application writes (and used to find them again). */
  requestId: string;
  ip?: string | null;
  userAgent?: string | null;
  /** The clock; one instant is used for the whole application. */
  now?: () => Date;
  /** Run everything, report what would change, then roll it all back. */
  dryRun?: boolean;
  /** Also return the audit entries a real application wrote (one more query). */
  collectChanges?: boolean;
  /**
   * Apply only if the event has not settled yet (never applied, or failed): a provider's
   * redelivery of a failed event retries it, of a processed one does nothing.
   */
  onlyUnsettled?: boolean;
  /**
   * Runs inside the application's transaction after the handler and the event's own update,
   * not in a dry run: a replay writes its own audit entry here so it commits with the effects.
   */
  afterApply?: (tx: Tx, event: StoredWebhookEvent, result: ApplyResult) => Promise<void>;
  /** Test seam, passed to the services (see ServiceContext.onStep). */
  onStep?: ServiceContext["onStep"];
}

export interface StoredApplyResult extends ApplyResult {
  /** True when `onlyUnsettled` found the event already settled: nothing ran. */
  skipped: boolean;
}

/** The handler threw: the application is rolled back and the event is stored as failed. */
export class HandlerFailure extends Error {
  override name = "HandlerFailure";
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Thrown to roll back a dry run after its effects have been read. */
class DryRunRollback extends Error {
  constructor(readonly result: ApplyResult) {
    super("dry run");
  }
}

/**
 * Applies (or re-applies) a stored event: locks its row, runs the provider's handler as the
 * provider's system actor in one transaction, and records the outcome in that transaction.
 * Re-applying a processed event is safe: service verbs no-op repeated transitions and a
 * payment grants at most once.
 *
 * A handler error rolls back its effects and is stored as `failed` (attempts + 1, the error);
 * the result then says `failed`. A database outage throws `WebhookUnavailableError`.
 */
export async function applyStoredEvent(
  db: Db,
  eventRowId: string,
  options: ApplyOptions,
): Promise<StoredApplyResult> {
  try {
    return await db.transaction(async (tx) => {
      const [event] = await tx
        .select()
        .from(webhookEvents)
        .where(eq(webhookEvents.id, eventRowId))
        .for("update");
      if (!event) throw ServiceError.notFound(`No webhook event with id ${eventRowId}`);
      if (options.onlyUnsettled && (event.outcome === "processed" || event.outcome === "ignored")) {
        return {
          outcome: event.outcome,
          reason: event.outcomeReason ?? undefined,
          paymentId: event.paymentId,
          changes: [],
          skipped: true,
        };
      }
      const result = await applyInTransaction(tx, event, options);
      if (options.dryRun) throw new DryRunRollback(result);
      if (options.afterApply) await options.afterApply(tx, event, result);
      return { ...result, skipped: false };
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return { ...err.result, skipped: false };
    if (isDatabaseUnavailable(err) || (err instanceof HandlerFailure && isDatabaseUnavailable(err.cause))) {
      throw new WebhookUnavailableError("The database is unavailable", { cause: err });
    }
    if (!(err instanceof HandlerFailure)) throw err;
    const reason = failureMessage(err.cause);
    if (!options.dryRun) await recordFailure(db, eventRowId, reason, options.now);
    return { outcome: "failed", reason, changes: [], skipped: false };
  }
}

/**
 * The application itself, in the caller's transaction (which holds the event row: locked,
 * or inserted by it). Sets outcome, reason, processed_at, attempts and payment on the row.
 * Throws `HandlerFailure` when the handler fails; the caller rolls back and records it.
 */
export async function applyInTransaction(
  tx: Tx,
  event: StoredWebhookEvent,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const provider = event.provider as WebhookProvider;
  const at = options.now ? options.now() : new Date();
  const actorId = systemActorId(provider);
  const ctx: ServiceContext = {
    db: tx as unknown as Db,
    actor: { type: "system", id: actorId },
    via: "webhook",
    requestId: options.requestId,
    ip: options.ip ?? null,
    userAgent: options.userAgent ?? null,
    now: () => at,
    onStep: options.onStep,
  };

  const handler = webhookHandlers[provider];
  let result: HandlerResult;
  try {
    result = handler
      ? await handler(ctx, event)
      : { outcome: "ignored", reason: `No handler for provider ${event.provider}` };
  } catch (err) {
    throw new HandlerFailure(err);
  }

  const paymentId = result.paymentId ?? event.paymentId ?? null;
  await tx
    .update(webhookEvents)
    .set({
      outcome: result.outcome,
      outcomeReason: result.reason ?? null,
      error: null,
      processedAt: at,
      attempts: event.attempts + 1,
      paymentId,
    })
    .where(eq(webhookEvents.id, event.id));

  const changes =
    options.dryRun || options.collectChanges ? await changesWritten(tx, options.requestId, actorId, at) : [];
  return { outcome: result.outcome, reason: result.reason, paymentId, changes };
}

/** The audit entries this application wrote: its request id, its actor, its instant. */
async function changesWritten(
  tx: Tx,
  requestId: string,
  actorId: string,
  at: Date,
): Promise<AuditEntrySummary[]> {
  const rows = await tx
    .select({
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      actorId: auditLog.actorId,
      before: auditLog.before,
      after: auditLog.after,
      reason: auditLog.reason,
      occurredAt: auditLog.occurredAt,
      chainSeq: auditLog.chainSeq,
    })
    .from(auditLog)
    // occurred_at first: the range scan on its index touches only this instant's entries.
    .where(
      and(gte(auditLog.occurredAt, at), eq(auditLog.requestId, requestId), eq(auditLog.actorId, actorId)),
    );
  return rows
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.chainSeq - b.chainSeq)
    .map(({ occurredAt: _o, chainSeq: _c, ...entry }) => entry);
}

export function failureMessage(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return message.slice(0, 2000);
}

async function recordFailure(db: Db, eventRowId: string, error: string, now?: () => Date): Promise<void> {
  await db.transaction(async (tx) => {
    const [event] = await tx
      .select({ attempts: webhookEvents.attempts })
      .from(webhookEvents)
      .where(eq(webhookEvents.id, eventRowId))
      .for("update");
    if (!event) return;
    await tx
      .update(webhookEvents)
      .set({
        outcome: "failed",
        outcomeReason: null,
        error,
        processedAt: now ? now() : new Date(),
        attempts: event.attempts + 1,
      })
      .where(eq(webhookEvents.id, eventRowId));
  });
}
