import { count, isNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { domainEvents, webhookDeliveries, webhookDeliveryAttempts } from "@/db/schema";
import { emitEvent } from "@/lib/events/emit";
import { createEndpoint } from "@/lib/outbound/endpoints";
import { runOutboundOnce } from "@/lib/outbound/loop";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor, insertStaff } from "../support/fixtures";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

/** Two app instances (separate connection pools) working the same outbox and deliveries. */
describe.runIf(backend === "postgres")("outbound deliveries with two workers at once", () => {
  let t: TestDatabase;
  let instances: DatabaseHandle[];
  let receiver: WebhookReceiver;
  let savedAllow: string | undefined;

  beforeEach(async () => {
    savedAllow = process.env.WEBHOOK_ALLOW_PRIVATE;
    process.env.WEBHOOK_ALLOW_PRIVATE = "1";
    t = await freshDatabase({ max: 4 });
    instances = [await openDatabase({ url: t.url, max: 4 }), await openDatabase({ url: t.url, max: 4 })];
    // Slow enough that both workers have requests in flight at the same time.
    receiver = await startWebhookReceiver(() => ({ status: 200, delayMs: 15 }));
  });
  afterEach(async () => {
    await receiver.close();
    for (const i of instances) await i.close();
    await t.close();
    if (savedAllow === undefined) delete process.env.WEBHOOK_ALLOW_PRIVATE;
    else process.env.WEBHOOK_ALLOW_PRIVATE = savedAllow;
  });

  it("fan out and deliver each event once per endpoint", async () => {
    const admin = await insertStaff(t.db, "admin");
    const ctx = ctxFor(t.db, {
      type: "staff",
      id: admin.id,
      email: admin.email,
      name: admin.name,
      role: "admin",
    });
    const a = await createEndpoint(ctx, { url: `${receiver.origin}/a`, eventTypes: ["payment.completed"] });
    const b = await createEndpoint(ctx, {
      url: `${receiver.origin}/b`,
      eventTypes: ["payment.completed", "customer.created"],
    });
    const EVENTS = 60;
    await t.db.transaction(async (tx) => {
      for (let i = 0; i < EVENTS; i += 1) {
        await emitEvent(tx, {
          type: i % 3 === 0 ? "customer.created" : "payment.completed",
          aggregateType: "test",
          aggregateId: `agg-${i}`,
          payload: { i },
          at: new Date(),
        });
      }
    });
    const paymentEvents = EVENTS - Math.ceil(EVENTS / 3);
    const expected = paymentEvents * 2 + Math.ceil(EVENTS / 3);

    const attemptedBy = [0, 0];
    const worker = async (db: DatabaseHandle["db"], index: number) => {
      let idle = 0;
      // Small batches, so the two interleave many times; stop after a few empty passes.
      while (idle < 3) {
        const r = await runOutboundOnce(db, { fanOutLimit: 7, deliveryLimit: 5, timeoutMs: 5_000 });
        attemptedBy[index] = (attemptedBy[index] ?? 0) + r.attempted;
        idle = r.dispatched === 0 && r.attempted === 0 ? idle + 1 : 0;
      }
    };
    await Promise.all(instances.map((i, index) => worker(i.db, index)));

    const counts = new Map<string, number>();
    for (const r of receiver.requests) {
      const key = `${r.path} ${r.headers["webhook-id"]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(receiver.requests).toHaveLength(expected);
    expect(counts.size).toBe(expected);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    const deliveries = await t.db.select().from(webhookDeliveries);
    expect(deliveries).toHaveLength(expected);
    expect(deliveries.every((d) => d.status === "succeeded" && d.attempts === 1)).toBe(true);
    expect(deliveries.filter((d) => d.endpointId === a.endpoint.id)).toHaveLength(paymentEvents);
    expect(deliveries.filter((d) => d.endpointId === b.endpoint.id)).toHaveLength(EVENTS);
    const [attempts] = await t.db.select({ n: count() }).from(webhookDeliveryAttempts);
    expect(attempts?.n).toBe(expected);
    const [left] = await t.db
      .select({ n: count() })
      .from(domainEvents)
      .where(isNull(domainEvents.dispatchedAt));
    expect(left?.n).toBe(0);
    // Both instances did part of the work (the race was real).
    expect(attemptedBy.every((n) => n > 0)).toBe(true);
  });
});
