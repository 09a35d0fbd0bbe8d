import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import type { WebhookOutcome } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import { diffJson, type JsonChange } from "../audit/diff";
import { assertCan, nowOf, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import { type ReplayWebhookInput, replayWebhookInput } from "../validation/webhook-replay";
import { applyStoredEvent } from "./apply";
import type { AuditEntrySummary, StoredWebhookEvent } from "./types";

/** One change the replay made (or, in a dry run, would make), as the audit log records it. */
export interface ReplayChange extends AuditEntrySummary {
  /** Field by field, before → after. */
  diff: JsonChange[];
}

export interface ReplayResult {
  /** The webhook event's row id. */
  id: string;
  dryRun: boolean;
  /** The event as it stood before the replay. */
  previous: { outcome: WebhookOutcome | null; attempts: number };
  outcome: WebhookOutcome;
  /** Why it was ignored, or the error when it failed. */
  reason: string | null;
  paymentId: string | null;
  /** Empty when nothing changed (or would change): replaying a processed event is a no-op. */
  changes: ReplayChange[];
}

type EventState = Pick<StoredWebhookEvent, "outcome" | "outcomeReason" | "error" | "attempts" | "paymentId">;

/** What the audit entry of a replay records of the event. */
function eventState(event: EventState): EventState {
  return {
    outcome: event.outcome,
    outcomeReason: event.outcomeReason,
    error: event.error,
    attempts: event.attempts,
    paymentId: event.paymentId,
  };
}

/**
 * Runs a stored event through its provider's handler again, as an admin asked.
 *
 * The payment and subscription changes it causes are made, as on delivery, by the provider's
 * system actor (`system:stripe`), so the payment's history reads the same whichever way the
 * event got applied; the replay itself is audited as the admin (`webhook.replay` on
 * `webhook_event:<id>`), in the same transaction as those changes, with their count and the
 * event's outcome before and after. Replaying an event that was already applied changes
 * nothing (service verbs no-op repeated transitions; a payment grants at most once): it only
 * counts an attempt and records who replayed it.
 *
 * A dry run runs exactly the same code, collects the audit entries it would write, and rolls
 * everything back: it writes nothing at all, not even its own audit entry.
 */
export async function replayWebhookEvent(
  ctx: ServiceContext,
  raw: ReplayWebhookInput,
): Promise<ReplayResult> {
  assertCan(ctx, "webhook.replay");
  const input = parseInput(replayWebhookInput, raw);
  const id = input.eventId.toLowerCase();
  const [found] = await ctx.db
    .select({
      outcome: webhookEvents.outcome,
      outcomeReason: webhookEvents.outcomeReason,
      error: webhookEvents.error,
      attempts: webhookEvents.attempts,
      paymentId: webhookEvents.paymentId,
    })
    .from(webhookEvents)
    .where(eq(webhookEvents.id, id));
  if (!found) throw ServiceError.notFound(`No webhook event with id ${input.eventId}`);

  // One instant for the whole replay: the provider's changes and the admin's entry agree on it.
  const at = nowOf(ctx);
  const audit = (tx: Tx, before: EventState, after: Record<string, unknown>, changes: number) =>
    appendAudit(
      tx,
      { ...ctx, now: () => at },
      {
        action: "webhook.replay",
        entityType: "webhook_event",
        entityId: id,
        before: eventState(before),
        after: { ...after, changes },
      },
      { entityLocked: true },
    );

  let previous: EventState = found;
  let audited = false;
  const result = await applyStoredEvent(ctx.db, id, {
    requestId: ctx.requestId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    now: () => at,
    dryRun: input.dryRun,
    collectChanges: true,
    onStep: ctx.onStep,
    afterApply: async (tx, event, applied) => {
      previous = eventState(event);
      await audit(
        tx,
        event,
        {
          outcome: applied.outcome,
          outcomeReason: applied.reason ?? null,
          error: null,
          attempts: event.attempts + 1,
          paymentId: applied.paymentId ?? null,
        },
        applied.changes.length,
      );
      audited = true;
    },
  });

  // The handler failed: the core rolled its effects back and stored the failure in a
  // transaction of its own, so the replay is audited in one of its own too.
  if (!input.dryRun && !audited) {
    await ctx.db.transaction(async (tx) => {
      const [event] = await tx.select().from(webhookEvents).where(eq(webhookEvents.id, id)).for("update");
      if (!event) return;
      await audit(tx, previous, eventState(event), 0);
    });
  }

  return {
    id,
    dryRun: input.dryRun,
    previous: { outcome: previous.outcome, attempts: previous.attempts },
    outcome: result.outcome,
    reason: result.reason ?? null,
    paymentId: result.paymentId ?? null,
    changes: inReadingOrder(result.changes).map((c) => ({ ...c, diff: diffJson(c.before, c.after) })),
  };
}

const ENTITY_ORDER = ["customer", "payment", "refund", "subscription"];

/**
 * The entries of one application share its instant, and each entity has its own chain, so
 * time and chain position do not order entries of different entities: cause before effect
 * is customer, then payment (and its refunds), then the subscription it extends or revokes.
 * Within an entity the given order (its chain) is kept.
 */
function inReadingOrder(changes: readonly AuditEntrySummary[]): AuditEntrySummary[] {
  const rank = (c: AuditEntrySummary) => {
    const i = ENTITY_ORDER.indexOf(c.entityType);
    return i === -1 ? ENTITY_ORDER.length : i;
  };
  return [...changes].sort((a, b) => rank(a) - rank(b));
}
