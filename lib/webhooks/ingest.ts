import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/rows";
import { webhookEvents } from "@/db/schema";
import type { WebhookOutcome } from "@/db/schema/enums";
import { applyInTransaction, applyStoredEvent, failureMessage, HandlerFailure } from "./apply";
import { isDatabaseUnavailable, WebhookUnavailableError } from "./errors";
import { storableJson, storableText } from "./payload";
import { unhandledTypeReason } from "./registry";
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
 *
 * Two cases are answered by one indexed statement, outside any transaction (a fifth of a
 * provider's traffic is redeliveries, and most event types it sends are ones Paydesk ignores):
 * - an event type its provider's handler ignores outright is stored as `ignored`, or found
 *   already stored, by one insert-or-read on the (provider, event id) index;
 * - any other event is first looked up on that index, and a settled copy (processed or ignored)
 *   is a duplicate at once. Only an event not settled yet opens the transaction.
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

  let known: { id: string; outcome: WebhookOutcome | null } | null;
  try {
    const ignoredBecause = unhandledTypeReason[delivery.provider]?.(values.type) ?? null;
    if (ignoredBecause) {
      const stored = await storeIgnored(db, values, ignoredBecause);
      if (stored?.fresh)
        return { duplicate: false, eventRowId: stored.id, outcome: "ignored", reason: ignoredBecause };
      known = stored;
    } else {
      known = await storedCopy(db, values.provider, values.eventId);
    }
  } catch (err) {
    if (isDatabaseUnavailable(err))
      throw new WebhookUnavailableError("The database is unavailable", { cause: err });
    throw err;
  }
  if (known && (known.outcome === "processed" || known.outcome === "ignored")) {
    return { duplicate: true, eventRowId: known.id, outcome: known.outcome };
  }

  if (!known) {
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
  }

  // A redelivery of an event not settled yet (failed, or waiting), or one a concurrent copy
  // stored while this one ran: retried under the event row's lock, if it is still unsettled.
  try {
    const existing = known ?? (await storedCopy(db, values.provider, values.eventId));
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

/** The stored copy of an event, by the (provider, event id) unique index. */
async function storedCopy(
  db: Db,
  provider: (typeof webhookEvents.$inferSelect)["provider"],
  eventId: string,
): Promise<{ id: string; outcome: WebhookOutcome | null } | null> {
  const [row] = await db
    .select({ id: webhookEvents.id, outcome: webhookEvents.outcome })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.provider, provider), eq(webhookEvents.eventId, eventId)));
  return row ?? null;
}

/**
 * Stores an event its handler would ignore outright, already settled as `ignored` (what applying
 * it would have written), or returns the copy stored before. One statement: the insert, and the
 * read of the existing row when the insert met the unique index. The read sees the statement's
 * snapshot, so a copy committed by another delivery while this one waited on the index is not in
 * it: null then, and the caller looks again.
 */
async function storeIgnored(
  db: Db,
  values: typeof webhookEvents.$inferInsert,
  reason: string,
): Promise<{ id: string; outcome: WebhookOutcome | null; fresh: boolean } | null> {
  const insert = db
    .insert(webhookEvents)
    .values({
      ...values,
      outcome: "ignored",
      outcomeReason: reason,
      attempts: 1,
      processedAt: values.receivedAt,
    })
    .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.eventId] })
    .returning({ id: webhookEvents.id, outcome: webhookEvents.outcome });
  const [row] = await queryRows<{ id: string; outcome: WebhookOutcome | null; fresh: boolean }>(
    db,
    sql`with inserted as (${insert.getSQL()})
      select id, outcome, true as fresh from inserted
      union all
      select ${webhookEvents.id}, ${webhookEvents.outcome}, false from ${webhookEvents}
      where ${webhookEvents.provider} = ${values.provider} and ${webhookEvents.eventId} = ${values.eventId}
        and not exists (select 1 from inserted)`,
  );
  return (
    row ?? (await storedCopy(db, values.provider, values.eventId).then((r) => r && { ...r, fresh: false }))
  );
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
