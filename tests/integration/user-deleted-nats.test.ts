import { randomUUID } from "node:crypto";
import { type JetStreamClient, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { asc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { customers, inboundMessages, subscriptions } from "@/db/schema";
import {
  ensureUserDeletedConsumer,
  processUserDeletedBatch,
  startUserDeletedConsumer,
  type UserDeletedConsumerConfig,
} from "@/lib/accounts/consumer";
import { ERASED_NAME } from "@/lib/customers/erase";
import { createPayment } from "@/lib/payments/create";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

/** The `user.deleted` consumer against the real broker, on streams and consumers of this test's own. */

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

let admin: NatsConnection;
let js: JetStreamClient;
let t: TestDatabase;
let config: UserDeletedConsumerConfig;
let streams: string[];
let anna: string;

beforeAll(async () => {
  admin = await connect({ servers: NATS_URL });
  js = jetstream(admin);
});
afterAll(async () => {
  await admin.close();
});

beforeEach(async () => {
  t = await freshDatabase();
  const { ctx, customer } = await baseline(t.db);
  anna = customer.id;
  await t.db.update(customers).set({ externalRef: "acct-anna" }).where(eq(customers.id, anna));
  await createPayment(ctx, {
    customer: anna,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    status: "succeeded",
    method: "bank_transfer",
    reason: "transfer received",
  });
  // Names of this test's own, so parallel runs and the real ACCOUNTS stream are never touched.
  const tag = randomUUID().replaceAll("-", "").slice(0, 12);
  config = {
    subject: `accounts_t${tag}.user.deleted`,
    stream: `ACCOUNTS_T${tag}`,
    streamSubjects: [`accounts_t${tag}.>`],
    durable: `paydesk-user-deleted-t${tag}`,
  };
  streams = [config.stream];
});
afterEach(async () => {
  const jsm = await jetstreamManager(admin);
  for (const s of streams) await jsm.streams.delete(s).catch(() => {});
  await t.close();
});

function publish(body: string, msgId?: string) {
  const h = natsHeaders();
  if (msgId) h.set("Nats-Msg-Id", msgId);
  return js.publish(config.subject, body, msgId ? { msgID: msgId, headers: h } : {});
}

async function batch(stream: string, expiresMs = 1_000) {
  return processUserDeletedBatch(t.db, js, { stream, durable: config.durable }, { max: 10, expiresMs });
}

async function pending(stream: string) {
  const jsm = await jetstreamManager(admin);
  const info = await jsm.consumers.info(stream, config.durable);
  return { pending: info.num_pending, ackPending: info.num_ack_pending };
}

describe("the user.deleted consumer", () => {
  it("creates the stream and the durable consumer when no stream covers the subject, once", async () => {
    const stream = await ensureUserDeletedConsumer(admin, config);
    expect(stream).toBe(config.stream);
    expect(await ensureUserDeletedConsumer(admin, config)).toBe(config.stream);
    const jsm = await jetstreamManager(admin);
    const info = await jsm.streams.info(stream);
    expect(info.config).toMatchObject({ subjects: config.streamSubjects, storage: StorageType.File });
    const consumer = await jsm.consumers.info(stream, config.durable);
    expect(consumer.config).toMatchObject({
      durable_name: config.durable,
      filter_subject: config.subject,
      ack_policy: "explicit",
    });
  });

  it("uses a stream the accounts system already has for the subject", async () => {
    const jsm = await jetstreamManager(admin);
    const owned = `${config.stream}_OWNED`;
    streams.push(owned);
    await jsm.streams.add({ name: owned, subjects: [config.subject], storage: StorageType.Memory });
    expect(await ensureUserDeletedConsumer(admin, config)).toBe(owned);
    await expect(jsm.streams.info(config.stream)).rejects.toThrow();
  });

  it("processes a message once; the same Nats-Msg-Id again is dropped or ignored", async () => {
    const stream = await ensureUserDeletedConsumer(admin, config);
    const first = await publish(JSON.stringify({ user_id: "acct-anna" }), "del-1");
    expect(first.duplicate).toBe(false);
    expect(await batch(stream)).toMatchObject({ fetched: 1, processed: 1, parked: 0 });
    const [row] = await t.db.select().from(customers).where(eq(customers.id, anna));
    expect(row).toMatchObject({ name: ERASED_NAME, externalRef: null });
    const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, anna));
    expect(sub?.status).toBe("canceled");

    // Within the stream's duplicate window JetStream drops the republish itself.
    const again = await publish(JSON.stringify({ user_id: "acct-anna" }), "del-1");
    expect(again.duplicate).toBe(true);
    expect(await batch(stream)).toMatchObject({ fetched: 0 });
    expect(await pending(stream)).toEqual({ pending: 0, ackPending: 0 });

    const inbound = await t.db.select().from(inboundMessages);
    expect(inbound.map((r) => [r.subject, r.messageId, r.status, r.streamSeq])).toEqual([
      [config.subject, "del-1", "processed", first.seq],
    ]);
  });

  it("a redelivery after a lost ack (no Nats-Msg-Id: keyed by stream and sequence) changes nothing", async () => {
    const stream = await ensureUserDeletedConsumer(admin, config);
    const ack = await publish(JSON.stringify({ email: "anna@example.com" }));
    // The first delivery: fetched, handled, but the ack never reaches the server (the process died).
    const consumer = await js.consumers.get(stream, config.durable);
    const first = await consumer.next({ expires: 1_000 });
    expect(first).not.toBeNull();
    const { handleUserDeleted } = await import("@/lib/accounts/user-deleted");
    const handled = await handleUserDeleted(t.db, {
      subject: first!.subject,
      messageId: `${stream}:${first!.info.streamSequence}`,
      streamSeq: first!.info.streamSequence,
      body: first!.data,
    });
    expect(handled.outcome).toBe("processed");
    first!.nak(); // back to the stream at once, as after the ack wait
    // The redelivery finds the message id handled and is acked without doing it again.
    expect(await batch(stream)).toMatchObject({ fetched: 1, duplicates: 1, processed: 0 });
    expect(await pending(stream)).toEqual({ pending: 0, ackPending: 0 });
    const inbound = await t.db.select().from(inboundMessages);
    expect(inbound.map((r) => r.messageId)).toEqual([`${stream}:${ack.seq}`]);
  });

  it("parks a poison message with its reason, acks it, and moves on to the next one", async () => {
    const stream = await ensureUserDeletedConsumer(admin, config);
    await publish("{this is not json", "bad-1");
    await publish(JSON.stringify({ user_id: 42 }), "bad-2");
    await publish(JSON.stringify({ user_id: "acct-anna" }), "good-1");
    expect(await batch(stream)).toMatchObject({ fetched: 3, parked: 2, processed: 1, retried: 0 });
    expect(await pending(stream)).toEqual({ pending: 0, ackPending: 0 });
    const rows = await t.db.select().from(inboundMessages).orderBy(asc(inboundMessages.streamSeq));
    expect(rows.map((r) => [r.messageId, r.status])).toEqual([
      ["bad-1", "parked"],
      ["bad-2", "parked"],
      ["good-1", "processed"],
    ]);
    expect(rows[0]).toMatchObject({
      reason: expect.stringMatching(/not JSON/),
      rawExcerpt: "{this is not json",
    });
    expect(rows[1]).toMatchObject({
      reason: "user_id must be a string, not a number",
      payload: { user_id: 42 },
    });
  });

  it("the long-running loop consumes what is published and reports it in its status", async () => {
    const running = startUserDeletedConsumer(t.db, NATS_URL, config, { pauseMs: 200, expiresMs: 1_000 });
    expect(running).not.toBeNull();
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      // It ensures the stream itself (nothing covers the subject until then).
      await until(() => running!.status.stream !== null);
      await publish("nope", "loop-bad");
      await publish(JSON.stringify({ user_id: "acct-anna" }), "loop-1");
      await until(() => running!.status.processed + running!.status.parked >= 2);
      expect(running!.status).toMatchObject({
        enabled: true,
        connected: true,
        stream: config.stream,
        processed: 1,
        parked: 1,
        lastMessageAt: expect.any(Date),
      });

      // The stream vanishes under it (an operator, a broker that lost its state): the loop reports
      // the error, ensures stream and consumer again, and goes on.
      const jsm = await jetstreamManager(admin);
      await jsm.streams.delete(config.stream);
      await until(() => running!.status.lastError !== null);
      expect(running!.status.lastError).toBeTruthy();
      const exists = async () =>
        jsm.streams.info(config.stream).then(
          () => true,
          () => false,
        );
      const deadline = Date.now() + 20_000;
      while (!(await exists()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await publish(JSON.stringify({ user_id: "acct-nobody" }), "loop-2");
      await until(() => running!.status.parked >= 2);
      expect(running!.status.parked).toBe(2);
    } finally {
      await running!.stop();
    }
    expect(running!.status.connected).toBe(false);
    const [row] = await t.db.select().from(customers).where(eq(customers.id, anna));
    expect(row?.erasedAt).not.toBeNull();
  });

  it("without a URL nothing starts", () => {
    expect(startUserDeletedConsumer(t.db, undefined, config)).toBeNull();
    expect(startUserDeletedConsumer(t.db, "", config)).toBeNull();
  });
});
