import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditLog, payments, subscriptionGrants, subscriptions, webhookEvents } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { type Actor, type ServiceContext, systemContext } from "@/lib/context";
import { ServiceError } from "@/lib/errors";
import { getPaymentTimeline } from "@/lib/payments/timeline";
import { ingestWebhook } from "@/lib/webhooks/ingest";
import { type ReplayResult, replayWebhookEvent } from "@/lib/webhooks/replay";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { baseline, type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";
import { type IntentEventOptions, paymentIntentEvent, stripeId } from "../support/stripe-events";

const DAY = 86_400_000;

/** Every writable table, the event log included. */
async function everything(db: Db) {
  const events = (await db.select().from(webhookEvents)).map((r) => JSON.stringify(r)).sort();
  return { ...(await snapshot(db)), webhook_events: events };
}

/** The effects a replay may cause, without the log of who replayed what. */
async function effects(db: Db) {
  const { audit_log: _a, ...rest } = await snapshot(db);
  const entries = await db.select().from(auditLog);
  return { ...rest, audit_log: entries.filter((e) => e.action !== "webhook.replay").length };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A change with the ids made up during the run blanked out, to compare two runs. */
function shapeOf(changes: ReplayResult["changes"]) {
  const blank = (value: unknown): unknown =>
    typeof value === "string" && UUID.test(value)
      ? "<id>"
      : Array.isArray(value)
        ? value.map(blank)
        : value && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v)]))
          : value;
  return changes.map((c) => blank({ ...c }));
}

describe("replaying a stored webhook event", () => {
  let t: TestDatabase;
  let clock: Clock;
  let admin: ServiceContext;
  let adminActor: Actor;
  let customerEmail: string;

  beforeEach(async () => {
    t = await freshDatabase();
    clock = clockAt("2026-04-01T10:00:00.000Z");
    const base = await baseline(t.db, clock);
    admin = base.ctx;
    adminActor = base.actor;
    customerEmail = base.customer.email;
  });
  afterEach(async () => {
    await t.close();
  });

  function intentEvent(overrides: Partial<IntentEventOptions> = {}) {
    return paymentIntentEvent({
      type: "payment_intent.succeeded",
      intentId: stripeId("pi"),
      amount: 59_900,
      currency: "rub",
      customer: customerEmail,
      plan: "premium",
      created: Math.floor(clock.now().getTime() / 1000),
      ...overrides,
    });
  }

  /** A verified event the handler failed on (as the core stores it: outcome failed, the error, one attempt). */
  async function storeFailed(event: Record<string, unknown>): Promise<string> {
    const object = (event.data as { object: { id: string } }).object;
    const [row] = await t.db
      .insert(webhookEvents)
      .values({
        provider: "stripe",
        eventId: String(event.id),
        type: String(event.type),
        payload: event,
        verification: "stripe-signature",
        sourceIp: "3.18.12.63",
        subjectId: object.id,
        receivedAt: clock.now(),
        processedAt: clock.now(),
        outcome: "failed",
        error: "Error: Connection terminated unexpectedly",
        attempts: 1,
      })
      .returning({ id: webhookEvents.id });
    return row!.id;
  }

  function deliver(event: Record<string, unknown>) {
    return ingestWebhook(
      t.db,
      {
        provider: "stripe",
        eventId: String(event.id),
        type: String(event.type),
        payload: event,
        verification: "stripe-signature",
        subjectId: (event.data as { object: { id: string } }).object.id,
      },
      {
        requestId: randomUUID(),
        ip: "3.18.12.63",
        userAgent: "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      },
      { now: clock.now },
    );
  }

  async function replayEntries(eventRowId: string) {
    return t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "webhook.replay"), eq(auditLog.entityId, eventRowId)))
      .orderBy(auditLog.chainSeq);
  }

  it("a dry run changes nothing and reports exactly the changes the real replay then makes", async () => {
    const event = intentEvent();
    const id = await storeFailed(event);
    clock.advanceDays(1);
    const before = await everything(t.db);

    const dry = await replayWebhookEvent(admin, { eventId: id, dryRun: true });
    expect(dry).toMatchObject({
      id,
      dryRun: true,
      previous: { outcome: "failed", attempts: 1 },
      outcome: "processed",
    });
    // A payment created by its first provider event is recorded pending, then moved.
    expect(dry.changes.map((c) => c.action)).toEqual([
      "payment.create",
      "payment.status_change",
      "subscription.extend",
    ]);
    expect(dry.changes.every((c) => c.actorId === "system:stripe")).toBe(true);
    expect(dry.changes[0]!.diff).toContainEqual({ path: "status", before: undefined, after: "pending" });
    expect(dry.changes[1]!.diff).toContainEqual({ path: "status", before: "pending", after: "succeeded" });
    expect(await everything(t.db)).toEqual(before);

    const real = await replayWebhookEvent(admin, { eventId: id });
    expect(real).toMatchObject({ id, dryRun: false, previous: { outcome: "failed", attempts: 1 } });
    expect(real.outcome).toBe("processed");
    expect(shapeOf(real.changes)).toEqual(shapeOf(dry.changes));

    // The effects are those of a delivery: a Stripe payment, its grant, 30 more days.
    const intentId = (event.data as { object: { id: string } }).object.id;
    const [payment] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, intentId));
    expect(payment).toMatchObject({
      provider: "stripe",
      kind: "provider",
      status: "succeeded",
      amountMinor: 59_900n,
      currency: "RUB",
    });
    expect(real.paymentId).toBe(payment!.id);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(1);
    const [sub] = await t.db.select().from(subscriptions);
    expect(sub).toMatchObject({
      status: "active",
      currentPeriodEnd: new Date(clock.now().getTime() + 30 * DAY),
    });

    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
    expect(row).toMatchObject({
      outcome: "processed",
      error: null,
      attempts: 2,
      paymentId: payment!.id,
      processedAt: clock.now(),
    });

    // Audited: the payment changes as system:stripe via webhook, the replay as the admin.
    const paymentEntries = await t.db.select().from(auditLog).where(eq(auditLog.entityId, payment!.id));
    expect(paymentEntries.map((e) => [e.action, e.actorId, e.via])).toEqual([
      ["payment.create", "system:stripe", "webhook"],
      ["payment.status_change", "system:stripe", "webhook"],
    ]);
    const replays = await replayEntries(id);
    expect(replays).toHaveLength(1);
    expect(replays[0]).toMatchObject({
      actorType: "staff",
      actorId: adminActor.id,
      actorEmail: "admin@paydesk.test",
      actorRole: "admin",
      entityType: "webhook_event",
      requestId: admin.requestId,
      before: { outcome: "failed", attempts: 1, error: "Error: Connection terminated unexpectedly" },
      after: { outcome: "processed", attempts: 2, error: null, paymentId: payment!.id, changes: 3 },
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);

    // The payment's timeline shows the event, linked, before the changes it caused.
    const timeline = await getPaymentTimeline(t.db, payment!.id);
    expect(timeline.map((e) => e.action)).toEqual([
      "webhook.event",
      "payment.create",
      "payment.status_change",
      "subscription.extend",
    ]);
    expect(timeline[0]).toMatchObject({
      id,
      actorLabel: "system:stripe",
      webhook: { id, provider: "stripe", type: "payment_intent.succeeded", outcome: "processed" },
    });
  });

  it("a second replay changes nothing, and says so", async () => {
    const id = await storeFailed(intentEvent());
    await replayWebhookEvent(admin, { eventId: id });
    clock.advanceDays(2);
    const before = await effects(t.db);

    const dry = await replayWebhookEvent(admin, { eventId: id, dryRun: true });
    expect(dry.changes).toEqual([]);
    const again = await replayWebhookEvent(admin, { eventId: id });
    expect(again.changes).toEqual([]);
    expect(again.outcome).not.toBe("failed");
    expect(again.previous).toMatchObject({ outcome: "processed", attempts: 2 });
    expect(await effects(t.db)).toEqual(before);

    // Still audited: who replayed, when, and that it changed nothing.
    const replays = await replayEntries(id);
    expect(replays).toHaveLength(2);
    expect(replays[1]!.after).toMatchObject({ changes: 0, attempts: 3 });
  });

  it("a delivered event replays as a no-op; a delivered duplicate then changes nothing either", async () => {
    const event = intentEvent();
    const delivered = await deliver(event);
    expect(delivered).toMatchObject({ duplicate: false, outcome: "processed" });
    const before = await effects(t.db);
    const replayed = await replayWebhookEvent(admin, { eventId: delivered.eventRowId });
    expect(replayed.changes).toEqual([]);
    expect(await deliver(event)).toMatchObject({ duplicate: true, eventRowId: delivered.eventRowId });
    expect(await effects(t.db)).toEqual(before);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(1);
  });

  // Several connections only on PostgreSQL (PGlite has one).
  it.skipIf(backend === "pglite")("replays racing each other apply the event once", async () => {
    const id = await storeFailed(intentEvent());
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        replayWebhookEvent({ ...admin, requestId: randomUUID() }, { eventId: id }),
      ),
    );
    // One replay records the payment (create, status change, extend); the others find it applied.
    expect(results.map((r) => r.changes.length).sort()).toEqual([0, 0, 0, 3]);
    expect(results.every((r) => r.outcome !== "failed")).toBe(true);
    expect(await t.db.select().from(payments)).toHaveLength(1);
    expect(await t.db.select().from(subscriptionGrants)).toHaveLength(1);
    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
    expect(row!.attempts).toBe(5);
    expect(await replayEntries(id)).toHaveLength(4);
  });

  it("a replay whose handler fails again rolls its effects back, counts the attempt and is audited", async () => {
    const id = await storeFailed(intentEvent());
    let thrown = false;
    const failing: ServiceContext = {
      ...admin,
      onStep: (name) => {
        if (name === "grant.written" && !thrown) {
          thrown = true;
          throw new Error("disk full while writing the grant");
        }
      },
    };
    const result = await replayWebhookEvent(failing, { eventId: id });
    expect(thrown).toBe(true);
    expect(result).toMatchObject({ outcome: "failed", changes: [] });
    expect(result.reason).toContain("disk full while writing the grant");
    expect(await t.db.select().from(payments)).toHaveLength(0);
    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
    expect(row).toMatchObject({ outcome: "failed", attempts: 2 });
    expect(row!.error).toContain("disk full");
    const replays = await replayEntries(id);
    expect(replays).toHaveLength(1);
    expect(replays[0]!.before).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(replays[0]!.after).toMatchObject({ outcome: "failed", attempts: 2, changes: 0 });

    // Fixed: the next replay processes it.
    expect(await replayWebhookEvent(admin, { eventId: id })).toMatchObject({ outcome: "processed" });
    expect(await t.db.select().from(payments)).toHaveLength(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("a dry run reports an event that would be ignored, with the reason, and no changes", async () => {
    const id = await storeFailed(intentEvent({ customer: "nobody@example.com" }));
    const before = await everything(t.db);
    const dry = await replayWebhookEvent(admin, { eventId: id, dryRun: true });
    expect(dry).toMatchObject({ outcome: "ignored", changes: [] });
    expect(dry.reason).toContain("nobody@example.com");
    expect(await everything(t.db)).toEqual(before);
  });

  it("only an admin may replay or dry-run; a refusal writes nothing", async () => {
    const id = await storeFailed(intentEvent());
    const support = await insertStaff(t.db, "support");
    const auditor = await insertStaff(t.db, "auditor");
    const others: ServiceContext[] = [
      ctxFor(t.db, {
        type: "staff",
        id: support.id,
        email: support.email,
        name: support.name,
        role: "support",
      }),
      ctxFor(t.db, {
        type: "staff",
        id: auditor.id,
        email: auditor.email,
        name: auditor.name,
        role: "auditor",
      }),
      systemContext(t.db, "system:stripe"),
    ];
    const before = await everything(t.db);
    for (const ctx of others) {
      for (const dryRun of [true, false]) {
        await expect(replayWebhookEvent(ctx, { eventId: id, dryRun })).rejects.toSatisfy(
          (err) => err instanceof ServiceError && err.code === "forbidden",
        );
      }
    }
    expect(await everything(t.db)).toEqual(before);
  });

  it("an unknown event is not found; a malformed id is invalid", async () => {
    await expect(replayWebhookEvent(admin, { eventId: randomUUID() })).rejects.toSatisfy(
      (err) => err instanceof ServiceError && err.code === "not_found",
    );
    await expect(replayWebhookEvent(admin, { eventId: "evt_123" })).rejects.toSatisfy(
      (err) => err instanceof ServiceError && err.code === "validation",
    );
  });
});
