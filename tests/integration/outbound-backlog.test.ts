import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { domainEvents, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { outboundBacklog } from "@/lib/outbound/loop";
import { freshDatabase, type TestDatabase } from "../support/db";

/**
 * What /api/health reports about outbound webhooks, on both databases: a Date bound inside raw
 * SQL once broke this on PostgreSQL only (postgres.js cannot serialise it), turning health 503.
 */
describe("outboundBacklog", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("counts pending, due and recently failed deliveries and undispatched events", async () => {
    const now = new Date("2026-12-07T10:00:00.000Z");
    expect(await outboundBacklog(t.db, now)).toEqual({
      pending: 0,
      due: 0,
      failedLast24h: 0,
      undispatchedEvents: 0,
    });

    const [endpoint] = await t.db
      .insert(webhookEndpoints)
      .values({ url: "https://receiver.example/hook", eventTypes: ["payment.completed"], secret: "whsec_x" })
      .returning();
    const events = await t.db
      .insert(domainEvents)
      .values(
        [1, 2, 3].map((seq) => ({
          type: "payment.completed",
          aggregateType: "payment",
          aggregateId: "p-1",
          aggregateSeq: seq,
          payload: {},
          occurredAt: now,
        })),
      )
      .returning();
    const at = (ms: number) => new Date(now.getTime() + ms);
    await t.db.insert(webhookDeliveries).values([
      {
        endpointId: endpoint!.id,
        eventId: events[0]!.id,
        eventType: "payment.completed",
        nextAttemptAt: at(-1_000),
      },
      {
        endpointId: endpoint!.id,
        eventId: events[1]!.id,
        eventType: "payment.completed",
        nextAttemptAt: at(60_000),
      },
      {
        endpointId: endpoint!.id,
        eventId: events[2]!.id,
        eventType: "payment.completed",
        status: "failed",
        lastAttemptAt: at(-3_600_000),
      },
    ]);
    expect(await outboundBacklog(t.db, now)).toEqual({
      pending: 2,
      due: 1,
      failedLast24h: 1,
      undispatchedEvents: 3,
    });
  });
});
