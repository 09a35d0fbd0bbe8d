import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import type { WebhookOutcome } from "@/db/schema/enums";
import { applyInTransaction, applyStoredEvent, failureMessage, HandlerFailure } from "./apply";
import { isDatabaseUnavailable, WebhookUnavailableError } from "./errors";
import { storableJson, storableText } from "./payload";
import type { DeliveryMeta, VerifiedDelivery } from "./types";

export interface IngestResult {
  /** The event id was already stored and settled: nothing ran. */
  duplicate: boolean;
  eventRowId: string;
  outcome: WebhookOutcome;
  reason?: string;
  paymentId?: string | null;
}

export interface IngestOptions {
  now?: () => Date;
}

/**
 * Stores a verified delivery and applies it, exactly once per (provider, event id).
 *
 * The insert and the application share one transaction: a concurrent copy of the same event
 * waits on the unique index until the first commits, then finds it and does nothing. A
 * handler error rolls everything back and the event is then stored as `failed`; a later
 * redelivery of a failed event retries it (a processed or ignored one is a plain duplicate).
 * A database outage throws `WebhookUnavailableError` (the route answers 503).
 */
export async function ingestWebhook(
  db: Db,
  delivery: VerifiedDelivery,
  meta: DeliveryMeta,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const now = options.now ?? (() => new Date());
  const values = {
    provider: delivery.provider,
    eventId: storableText(delivery.eventId).slice(0, 255),
    type: storableText(delivery.type).slice(0, 255),
    payload: storableJson(delivery.payload) ?? {},
    verification: delivery.verification,
    subjectId: delivery.subjectId ? storableText(delivery.subjectId).slice(0, 255) : null,
    sourceIp: meta.ip,
    receivedAt: now(),
  };
  const applyOptions = { requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent, now };

  try {
    const fresh = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(webhookEvents)
        .values(values)
        .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.eventId] })
        .returning();
      if (!row) return null;
      const result = await applyInTransaction(tx, row, applyOptions);
      return { duplicate: false, eventRowId: row.id, ...withoutChanges(result) } satisfies IngestResult;
    });
    if (fresh) return fresh;
  } catch (err) {
    const cause = err instanceof HandlerFailure ? err.cause : err;
    if (isDatabaseUnavailable(cause)) {
      throw new WebhookUnavailableError("The database is unavailable", { cause: err });
    }
    if (!(err instanceof HandlerFailure)) throw err;
    const reason = failureMessage(cause);
    const stored = await storeFailure(db, values, reason, now);
    if (stored) return { duplicate: false, eventRowId: stored, outcome: "failed", reason };
    // A concurrent copy stored the event meanwhile: treat this one as a redelivery.
  }

  try {
    const [existing] = await db
      .select({ id: webhookEvents.id, outcome: webhookEvents.outcome })
      .from(webhookEvents)
      .where(and(eq(webhookEvents.provider, values.provider), eq(webhookEvents.eventId, values.eventId)));
    if (!existing) throw new Error(`webhook event ${values.provider}/${values.eventId} vanished`);
    if (existing.outcome === "processed" || existing.outcome === "ignored") {
      return { duplicate: true, eventRowId: existing.id, outcome: existing.outcome };
    }
    const retried = await applyStoredEvent(db, existing.id, { ...applyOptions, onlyUnsettled: true });
    return { duplicate: retried.skipped, eventRowId: existing.id, ...withoutChanges(retried) };
  } catch (err) {
    if (isDatabaseUnavailable(err))
      throw new WebhookUnavailableError("The database is unavailable", { cause: err });
    throw err;
  }
}

function withoutChanges(result: {
  outcome: WebhookOutcome;
  reason?: string;
  paymentId?: string | null;
}): Pick<IngestResult, "outcome" | "reason" | "paymentId"> {
  return { outcome: result.outcome, reason: result.reason, paymentId: result.paymentId ?? null };
}

/** Stores the event as failed after its application rolled back; null if a copy got there first. */
async function storeFailure(
  db: Db,
  values: typeof webhookEvents.$inferInsert,
  error: string,
  now: () => Date,
): Promise<string | null> {
  try {
    const [row] = await db
      .insert(webhookEvents)
      .values({ ...values, outcome: "failed", error, attempts: 1, processedAt: now() })
      .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.eventId] })
      .returning({ id: webhookEvents.id });
    return row?.id ?? null;
  } catch (err) {
    if (isDatabaseUnavailable(err))
      throw new WebhookUnavailableError("The database is unavailable", { cause: err });
    throw err;
  }
}
