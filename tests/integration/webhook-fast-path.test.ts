import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestWebhook } from "@/lib/webhooks/ingest";
import type { VerifiedDelivery } from "@/lib/webhooks/types";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { fixture, paymentIntent, stripeEvent, stripeId } from "../support/stripe";

/**
 * Counts what ingestion sends PGlite: statements outside a transaction, and transactions. (On
 * PostgreSQL the same code runs; counting there would need a proxy in front of the driver.)
 */
describe.runIf(backend === "pglite")("webhook ingestion: what a redelivery and an ignored type cost", () => {
  let t: TestDatabase;
  let statements: string[] = [];
  let transactions = 0;

  beforeAll(async () => {
    t = await freshDatabase();
    const pglite = t.pglite!;
    const query = pglite.query.bind(pglite);
    const transaction = pglite.transaction.bind(pglite);
    pglite.query = ((text: string, ...rest: unknown[]) => {
      statements.push(text);
      return (query as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof pglite.query;
    pglite.transaction = ((fn: Parameters<typeof pglite.transaction>[0]) => {
      transactions++;
      return transaction(fn);
    }) as typeof pglite.transaction;
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    statements = [];
    transactions = 0;
  });

  const meta = { requestId: "req-fast-path", ip: null, userAgent: null };

  function delivery(event: {
    id: string;
    type: string;
    data: { object: Record<string, unknown> };
  }): VerifiedDelivery {
    const object = event.data.object;
    return {
      provider: "stripe",
      eventId: event.id,
      type: event.type,
      payload: event,
      verification: "stripe-signature",
      subjectId: typeof object.payment_intent === "string" ? object.payment_intent : null,
    };
  }

  it("an event type nobody handles is stored as ignored by one statement, and its redelivery answered by one", async () => {
    const event = stripeEvent("customer.created", fixture("customer"));
    const first = await ingestWebhook(t.db, delivery(event), meta);
    expect(first).toMatchObject({
      duplicate: false,
      outcome: "ignored",
      reason: "Stripe customer.created events are not handled",
    });
    expect({ statements: statements.length, transactions }).toEqual({ statements: 1, transactions: 0 });

    statements = [];
    const again = await ingestWebhook(t.db, delivery(event), meta);
    expect(again).toEqual({ duplicate: true, eventRowId: first.eventRowId, outcome: "ignored" });
    expect({ statements: statements.length, transactions }).toEqual({ statements: 1, transactions: 0 });
  });

  it("a redelivery of a handled event that settled is answered by one indexed read, no transaction", async () => {
    const intent = paymentIntent({ id: stripeId("pi"), status: "requires_payment_method" });
    const event = stripeEvent("payment_intent.payment_failed", intent);
    const first = await ingestWebhook(t.db, delivery(event), meta);
    expect(first.duplicate).toBe(false);
    expect(["processed", "ignored"]).toContain(first.outcome);
    expect(transactions).toBe(1);

    statements = [];
    transactions = 0;
    const again = await ingestWebhook(t.db, delivery(event), meta);
    expect(again).toEqual({ duplicate: true, eventRowId: first.eventRowId, outcome: first.outcome });
    expect({ statements: statements.length, transactions }).toEqual({ statements: 1, transactions: 0 });
    expect(statements[0]).toMatch(/from "webhook_events" where .*"provider" = .*"event_id" = /);
  });
});
