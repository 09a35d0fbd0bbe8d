import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import type { WebhookOutcome } from "@/db/schema/enums";
import { ServiceError } from "@/lib/errors";
import { createPayment } from "@/lib/payments/create";
import { encodeCursor } from "@/lib/payments/list";
import {
  parseWebhookListQuery,
  toWebhookSearchParams,
  type WebhookListQuery,
  type WebhookListSearchParams,
  webhookListQuery,
} from "@/lib/validation/webhook-list";
import {
  countWebhookEventsCapped,
  decodeWebhookCursor,
  encodeWebhookCursor,
  getWebhookEvent,
  listNewestWebhookEvents,
  listWebhookEventsPage,
  type WebhookListRow,
} from "@/lib/webhooks/list";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

// ---------------------------------------------------------------------------------------
// The data: events of both providers, every outcome, several types, spread over four days,
// with runs of identical receive times so that the id tie-break is exercised.

const STRIPE_TYPES = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"];
const YOOKASSA_TYPES = ["payment.succeeded", "payment.canceled"];
const OUTCOMES: (WebhookOutcome | null)[] = ["processed", "processed", "ignored", "failed", null];
const START = Date.parse("2026-03-01T00:00:00.000Z");
const EVENTS = 137;

interface Seeded {
  rows: WebhookListRow[];
  paymentId: string;
}

async function seedEvents(db: Db): Promise<Seeded> {
  const { ctx, customer } = await baseline(db);
  const { payment } = await createPayment(ctx, {
    customer: customer.email,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    reason: "a payment some events touched",
  });
  const values = Array.from({ length: EVENTS }, (_, i) => {
    const provider = i % 3 === 0 ? ("yookassa" as const) : ("stripe" as const);
    const types = provider === "stripe" ? STRIPE_TYPES : YOOKASSA_TYPES;
    const outcome = OUTCOMES[i % OUTCOMES.length]!;
    // Every fourth event shares its predecessor's instant; about 35 events a day.
    const receivedAt = new Date(START + Math.floor(i - (i % 4 === 3 ? 1 : 0)) * 41 * 60_000);
    return {
      provider,
      eventId:
        provider === "stripe" ? `evt_${i}_${randomUUID().slice(0, 8)}` : `${randomUUID()}:payment.succeeded`,
      type: types[i % types.length]!,
      payload: { id: `evt_${i}`, object: "event", data: { object: { id: `pi_${i}`, amount: 59_900 } } },
      receivedAt,
      processedAt: outcome ? new Date(receivedAt.getTime() + 20) : null,
      outcome,
      outcomeReason: outcome === "ignored" ? "names no known customer" : null,
      error: outcome === "failed" ? "Error: simulated handler failure" : null,
      attempts: outcome ? 1 : 0,
      verification: provider === "stripe" ? "stripe-signature" : "ip-allowlist",
      sourceIp: "203.0.113.7",
      paymentId: i % 10 === 0 ? payment.id : null,
    };
  });
  await db.insert(webhookEvents).values(values);
  const rows = (await db
    .select({
      id: webhookEvents.id,
      provider: webhookEvents.provider,
      eventId: webhookEvents.eventId,
      type: webhookEvents.type,
      receivedAt: webhookEvents.receivedAt,
      processedAt: webhookEvents.processedAt,
      outcome: webhookEvents.outcome,
      outcomeReason: webhookEvents.outcomeReason,
      attempts: webhookEvents.attempts,
      error: webhookEvents.error,
      verification: webhookEvents.verification,
      paymentId: webhookEvents.paymentId,
    })
    .from(webhookEvents)) as WebhookListRow[];
  return { rows, paymentId: payment.id };
}

/** The list's rules written out plainly, over every row. */
function expectedRows(all: WebhookListRow[], q: WebhookListQuery): WebhookListRow[] {
  const dayStart = (d: string) => Date.parse(`${d}T00:00:00.000Z`);
  return all
    .filter(
      (r) =>
        (q.provider.length === 0 || q.provider.includes(r.provider)) &&
        (q.type.length === 0 || q.type.includes(r.type)) &&
        (q.outcome.length === 0 || q.outcome.includes(r.outcome ?? "pending")) &&
        (q.from === null || r.receivedAt.getTime() >= dayStart(q.from)) &&
        (q.to === null || r.receivedAt.getTime() < dayStart(q.to) + 86_400_000) &&
        (q.payment === null || r.paymentId === q.payment),
    )
    .sort(
      (a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
}

const ids = (rows: WebhookListRow[]) => rows.map((r) => r.id);

/** Every page forward, then every page backward from the last one; both walks' ids. */
async function walk(db: Db, params: WebhookListSearchParams) {
  const base = parseWebhookListQuery(params);
  const forwardPages: WebhookListRow[][] = [];
  let page = await listWebhookEventsPage(db, base);
  expect(page.prevCursor).toBeNull();
  forwardPages.push(page.rows);
  while (page.nextCursor) {
    expect(page.rows).toHaveLength(base.size);
    page = await listWebhookEventsPage(db, { ...base, cursor: page.nextCursor, back: false });
    expect(page.rows.length).toBeGreaterThan(0);
    forwardPages.push(page.rows);
    expect(forwardPages.length).toBeLessThan(100);
  }
  const backwardPages: WebhookListRow[][] = [page.rows];
  while (page.prevCursor) {
    page = await listWebhookEventsPage(db, { ...base, cursor: page.prevCursor, back: true });
    expect(page.rows).toHaveLength(base.size);
    expect(page.nextCursor).not.toBeNull();
    backwardPages.unshift(page.rows);
    expect(backwardPages.length).toBeLessThan(100);
  }
  return {
    query: base,
    forward: forwardPages.flat().map((r) => r.id),
    backward: backwardPages.flat().map((r) => r.id),
  };
}

describe("webhook event list", () => {
  let t: TestDatabase;
  let seeded: Seeded;

  beforeAll(async () => {
    t = await freshDatabase();
    seeded = await seedEvents(t.db);
  });
  afterAll(async () => {
    await t?.close();
  });

  const cases: WebhookListSearchParams[] = [
    {},
    { size: "10" },
    { provider: "stripe", size: "10" },
    { provider: "yookassa", size: "10" },
    { provider: "stripe,yookassa", size: "10" },
    { outcome: "failed", size: "10" },
    { outcome: "pending,ignored", size: "10" },
    { outcome: "processed", provider: "stripe", size: "10" },
    { type: "payment_intent.succeeded", size: "10" },
    { type: "charge.refunded,payment.canceled", outcome: "processed,failed", size: "10" },
    { from: "2026-03-02", to: "2026-03-03", size: "10" },
    { from: "2026-03-03", size: "10", outcome: "ignored" },
    { to: "2026-03-01", size: "10" },
    { type: "customer.created", size: "10" },
  ];

  it.each(cases)("pages %j forward and backward in (received desc, id desc) order", async (params) => {
    const { query, forward, backward } = await walk(t.db, params);
    const expected = ids(expectedRows(seeded.rows, query));
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
    expect(await countWebhookEventsCapped(t.db, query)).toEqual({ count: expected.length, capped: false });
  });

  it("the test data is what the cases need: both providers, every outcome, ties, several days", () => {
    expect(new Set(seeded.rows.map((r) => r.provider))).toEqual(new Set(["stripe", "yookassa"]));
    expect(new Set(seeded.rows.map((r) => r.outcome))).toEqual(
      new Set(["processed", "ignored", "failed", null]),
    );
    const times = seeded.rows.map((r) => r.receivedAt.getTime());
    expect(new Set(times).size).toBeLessThan(times.length);
    expect(
      new Set(seeded.rows.map((r) => r.receivedAt.toISOString().slice(0, 10))).size,
    ).toBeGreaterThanOrEqual(4);
  });

  it("filters by the payment an event touched", async () => {
    const page = await listWebhookEventsPage(t.db, parseWebhookListQuery({ payment: seeded.paymentId }));
    expect(page.rows.length).toBeGreaterThan(0);
    expect(ids(page.rows)).toEqual(
      ids(expectedRows(seeded.rows, parseWebhookListQuery({ payment: seeded.paymentId }))),
    );
    expect(page.rows.every((r) => r.paymentId === seeded.paymentId)).toBe(true);
  });

  it("a page in the middle pages back to exactly the page before it", async () => {
    const query = parseWebhookListQuery({ size: "10", provider: "stripe" });
    const first = await listWebhookEventsPage(t.db, query);
    const second = await listWebhookEventsPage(t.db, { ...query, cursor: first.nextCursor, back: false });
    const third = await listWebhookEventsPage(t.db, { ...query, cursor: second.nextCursor, back: false });
    const backToSecond = await listWebhookEventsPage(t.db, {
      ...query,
      cursor: third.prevCursor,
      back: true,
    });
    expect(ids(backToSecond.rows)).toEqual(ids(second.rows));
    const backToFirst = await listWebhookEventsPage(t.db, {
      ...query,
      cursor: backToSecond.prevCursor,
      back: true,
    });
    expect(ids(backToFirst.rows)).toEqual(ids(first.rows));
  });

  it("counts stop at the cap", async () => {
    const query = parseWebhookListQuery({});
    expect(await countWebhookEventsCapped(t.db, query, 50)).toEqual({ count: 50, capped: true });
    expect(await countWebhookEventsCapped(t.db, query, EVENTS)).toEqual({ count: EVENTS, capped: false });
    expect(await countWebhookEventsCapped(t.db, query, EVENTS - 1)).toEqual({
      count: EVENTS - 1,
      capped: true,
    });
  });

  it("ignores a cursor that is malformed, tampered with or another list's", async () => {
    const firstPage = ids((await listWebhookEventsPage(t.db, parseWebhookListQuery({}))).rows);
    const row = seeded.rows[0]!;
    const paymentsCursor = encodeCursor("created", "desc", {
      createdAt: row.receivedAt,
      id: row.id,
      amountMinor: 0n,
    } as never);
    const tampered = Buffer.from(
      JSON.stringify({ k: "wh", v: "2026-13-01T00:00:00.000Z", id: row.id }),
    ).toString("base64url");
    for (const cursor of ["junk", paymentsCursor, tampered, "eyJrIjoid2gifQ"]) {
      expect(decodeWebhookCursor(cursor)).toBeNull();
      const page = await listWebhookEventsPage(t.db, parseWebhookListQuery({ cursor }));
      expect(ids(page.rows)).toEqual(firstPage);
      expect(page.prevCursor).toBeNull();
    }
    expect(decodeWebhookCursor(encodeWebhookCursor(row))).toEqual({
      receivedAt: row.receivedAt.toISOString(),
      id: row.id,
    });
  });

  it("lists the newest events for the CLI, up to a limit", async () => {
    const failed = await listNewestWebhookEvents(t.db, { outcome: ["failed"] }, 5);
    expect(ids(failed)).toEqual(
      ids(expectedRows(seeded.rows, parseWebhookListQuery({ outcome: "failed" }))).slice(0, 5),
    );
    const all = await listNewestWebhookEvents(t.db, {}, 5000);
    expect(all).toHaveLength(EVENTS);
  });

  it("opens one event with its payload and the payment it touched", async () => {
    const touched = seeded.rows.find((r) => r.paymentId !== null)!;
    const event = await getWebhookEvent(t.db, touched.id.toUpperCase());
    expect(event).toMatchObject({
      id: touched.id,
      type: touched.type,
      sourceIp: "203.0.113.7",
      payment: {
        id: seeded.paymentId,
        status: "pending",
        amountMinor: 59_900n,
        currency: "RUB",
        planName: "Premium",
      },
    });
    expect(event.payload).toMatchObject({ object: "event" });
    const untouched = seeded.rows.find((r) => r.paymentId === null)!;
    expect((await getWebhookEvent(t.db, untouched.id)).payment).toBeNull();
    for (const id of [randomUUID(), "not-a-uuid", ""]) {
      await expect(getWebhookEvent(t.db, id)).rejects.toSatisfy(
        (err) => err instanceof ServiceError && err.code === "not_found",
      );
    }
  });
});

describe("the event log's URL state", () => {
  it("keeps valid values in canonical form and drops junk", () => {
    expect(
      parseWebhookListQuery({
        provider: ["YooKassa,stripe", "manual"],
        type: "Charge.Refunded,payment_intent.succeeded,not a type,payment_intent.succeeded",
        outcome: "failed,nonsense,PENDING",
        from: "2026-02-30",
        to: "2026-03-05",
        payment: "ZZZ",
        size: "7",
        cursor: "bad cursor!",
        back: "1",
      }),
    ).toEqual({
      provider: ["stripe", "yookassa"],
      type: ["charge.refunded", "payment_intent.succeeded"],
      outcome: ["failed", "pending"],
      from: null,
      to: "2026-03-05",
      payment: null,
      size: 25,
      cursor: null,
      back: false,
    });
  });

  it("never throws and round-trips through the URL", () => {
    const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.record({
          provider: value,
          type: value,
          outcome: value,
          from: value,
          to: value,
          payment: value,
          size: value,
          cursor: value,
          back: value,
        }),
        (params) => {
          const q = parseWebhookListQuery(params);
          const again = webhookListQuery.parse(Object.fromEntries(toWebhookSearchParams(q)));
          expect(again).toEqual(q);
        },
      ),
      { numRuns: 300 },
    );
    for (const junk of [null, 42, "outcome=failed", ["outcome"], new URLSearchParams("outcome=failed")]) {
      expect(webhookListQuery.parse(junk).outcome).toEqual([]);
    }
  });
});
