import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { asc, isNull, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { domainEvents } from "@/db/schema";
import { emitEvent } from "@/lib/events/emit";
import { connectRelay, relayBatch, type StreamTarget } from "@/lib/events/relay";
import { freshDatabase, type TestDatabase } from "../support/db";

// The real broker every machine of this kind runs (.ci/run starts it when it is down).
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

let t: TestDatabase;
let target: StreamTarget;
let relay: Awaited<ReturnType<typeof connectRelay>>;
let admin: NatsConnection;

beforeAll(async () => {
  admin = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  await admin.close();
});

beforeEach(async () => {
  t = await freshDatabase();
  // A stream of this test's own, so parallel runs never count each other's messages.
  const tag = randomUUID().replaceAll("-", "").slice(0, 12);
  target = { stream: `PAYDESK_T${tag}`, prefix: `paydesk_t${tag}.` };
  relay = await connectRelay(NATS_URL, target);
});
afterEach(async () => {
  const jsm = await jetstreamManager(admin);
  await jsm.streams.delete(target.stream).catch(() => {});
  await relay.nc.close();
  await t.close();
});

/** Writes `perAggregate` events for each of `aggregates` payments, interleaved, one transaction each. */
async function writeEvents(aggregates: string[], perAggregate: number): Promise<void> {
  for (let i = 0; i < perAggregate; i++) {
    for (const id of aggregates) {
      await t.db.transaction(async (tx) => {
        await emitEvent(tx, {
          type: i === 0 ? "payment.created" : "payment.updated",
          aggregateType: "payment",
          aggregateId: id,
          payload: { step: i },
          at: new Date(),
        });
      });
    }
  }
}

interface Received {
  msgId: string | undefined;
  subject: string;
  body: {
    id: string;
    type: string;
    occurredAt: string;
    aggregate: { type: string; id: string; seq: number };
    data: { step: number };
  };
}

async function streamMessages(): Promise<Received[]> {
  const jsm = await jetstreamManager(admin);
  const info = await jsm.streams.info(target.stream);
  const out: Received[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(target.stream, { seq });
    if (!m) continue;
    out.push({ msgId: m.header?.get("Nats-Msg-Id"), subject: m.subject, body: m.json() });
  }
  return out;
}

describe("outbox relay to NATS JetStream", () => {
  it("publishes every event once, with its id as Nats-Msg-Id, and marks it published after the ack", async () => {
    const aggregates = [randomUUID(), randomUUID(), randomUUID()];
    await writeEvents(aggregates, 4);
    const result = await relayBatch(t.db, relay.js, { target });
    expect(result).toMatchObject({ published: 12, remaining: 0 });
    const messages = await streamMessages();
    expect(messages).toHaveLength(12);
    const rows = await t.db.select().from(domainEvents).orderBy(asc(domainEvents.position));
    expect(rows.every((r) => r.publishedAt !== null)).toBe(true);
    for (const m of messages) {
      const row = rows.find((r) => r.id === m.body.id);
      expect(row, m.body.id).toBeDefined();
      expect(m.msgId).toBe(row?.id);
      expect(m.subject).toBe(`${target.prefix}${row?.type}`);
      expect(m.body).toEqual({
        id: row?.id,
        type: row?.type,
        schemaVersion: 1,
        occurredAt: row?.occurredAt.toISOString(),
        aggregate: { type: "payment", id: row?.aggregateId, seq: row?.aggregateSeq },
        data: row?.payload,
      });
    }
  });

  it("keeps each aggregate's events in the order they were written (per-aggregate sequence)", async () => {
    const aggregates = Array.from({ length: 6 }, () => randomUUID());
    await writeEvents(aggregates, 5);
    // Small batches: an aggregate's events span several of them.
    while ((await relayBatch(t.db, relay.js, { target, limit: 7 })).remaining > 0) {}
    const messages = await streamMessages();
    expect(messages).toHaveLength(30);
    for (const id of aggregates) {
      const mine = messages.filter((m) => m.body.aggregate.id === id);
      expect(mine.map((m) => m.body.aggregate.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(mine.map((m) => m.body.data.step)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it("a crash between JetStream's ack and published_at republishes nothing twice", async () => {
    await writeEvents([randomUUID(), randomUUID()], 3);
    await relayBatch(t.db, relay.js, { target });
    // The process died before it could mark them: everything looks unpublished again.
    await t.db.update(domainEvents).set({ publishedAt: null });
    const again = await relayBatch(t.db, relay.js, { target });
    expect(again.published).toBe(6);
    expect(await streamMessages()).toHaveLength(6);
    const [left] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(domainEvents)
      .where(isNull(domainEvents.publishedAt));
    expect(left?.n).toBe(0);
  });

  it("a broker that cannot take the events leaves them in the outbox, and they go out once it can", async () => {
    await writeEvents([randomUUID()], 3);
    const jsm = await jetstreamManager(admin);
    await jsm.streams.delete(target.stream); // nothing listens on the subjects: publishes fail
    await expect(relayBatch(t.db, relay.js, { target })).rejects.toThrow();
    const [left] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(domainEvents)
      .where(isNull(domainEvents.publishedAt));
    expect(left?.n).toBe(3);
    await relay.nc.close();
    relay = await connectRelay(NATS_URL, target); // recreates the stream
    expect((await relayBatch(t.db, relay.js, { target })).published).toBe(3);
    expect((await streamMessages()).map((m) => m.body.aggregate.seq)).toEqual([1, 2, 3]);
  });
});
