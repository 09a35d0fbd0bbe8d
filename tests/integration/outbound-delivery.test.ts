import { createHmac } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  auditLog,
  domainEvents,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
} from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor, ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { ServiceError } from "@/lib/errors";
import type { DomainEventType } from "@/lib/events/catalogue";
import { emitEvent } from "@/lib/events/emit";
import { eventMessage } from "@/lib/events/envelope";
import type { Resolve } from "@/lib/outbound/address";
import { resendDelivery } from "@/lib/outbound/deliver";
import { listDeliveries } from "@/lib/outbound/deliveries";
import {
  createEndpoint,
  disableEndpoint,
  enableEndpoint,
  rotateEndpointSecret,
} from "@/lib/outbound/endpoints";
import { type OutboundOptions, runOutboundOnce } from "@/lib/outbound/loop";
import { freshDatabase, type TestDatabase } from "../support/db";
import { type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";
import { RETRY_AFTER } from "../support/standard-webhooks";
import {
  type ReceivedRequest,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../support/webhook-receiver";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The receiver's check, from the spec alone: any `v1,` signature matching HMAC-SHA256 of id.timestamp.body. */
function signedWith(secret: string, request: ReceivedRequest): boolean {
  const expected = createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
    .update(`${request.headers["webhook-id"]}.${request.headers["webhook-timestamp"]}.${request.body}`)
    .digest("base64");
  return String(request.headers["webhook-signature"]).split(" ").includes(`v1,${expected}`);
}

describe("outbound deliveries", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;
  let actor: Actor;
  let receiver: WebhookReceiver;
  let savedAllow: string | undefined;
  let options: OutboundOptions;

  beforeEach(async () => {
    savedAllow = process.env.WEBHOOK_ALLOW_PRIVATE;
    // The receiver listens on 127.0.0.1: only WEBHOOK_ALLOW_PRIVATE=1 lets deliveries reach it.
    process.env.WEBHOOK_ALLOW_PRIVATE = "1";
    t = await freshDatabase();
    receiver = await startWebhookReceiver();
    clock = clockAt("2026-03-01T10:00:00.000Z");
    const admin = await insertStaff(t.db, "admin", "boss@paydesk.test");
    actor = { type: "staff", id: admin.id, email: admin.email, name: admin.name, role: "admin" };
    ctx = ctxFor(t.db, actor, { now: clock.now, via: "web" });
    options = { now: clock.now, timeoutMs: 2_000, random: () => 0.5 };
  });
  afterEach(async () => {
    await receiver.close();
    await t.close();
    if (savedAllow === undefined) delete process.env.WEBHOOK_ALLOW_PRIVATE;
    else process.env.WEBHOOK_ALLOW_PRIVATE = savedAllow;
  });

  async function endpoint(path: string, eventTypes: DomainEventType[]) {
    return createEndpoint(ctx, { url: `${receiver.origin}${path}`, eventTypes });
  }
  let seq = 0;
  async function emit(type: DomainEventType, payload: unknown = { n: seq }) {
    seq += 1;
    await t.db.transaction((tx) =>
      emitEvent(tx, { type, aggregateType: "test", aggregateId: `agg-${seq}`, payload, at: clock.now() }),
    );
    const [row] = await t.db
      .select()
      .from(domainEvents)
      .where(eq(domainEvents.aggregateId, `agg-${seq}`));
    return row!;
  }
  async function deliveriesOf(endpointId: string) {
    return t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpointId))
      .orderBy(asc(webhookDeliveries.createdAt));
  }
  async function attemptsOf(deliveryId: string) {
    return t.db
      .select()
      .from(webhookDeliveryAttempts)
      .where(eq(webhookDeliveryAttempts.deliveryId, deliveryId))
      .orderBy(asc(webhookDeliveryAttempts.attempt));
  }

  it("fans out each event once to the enabled endpoints subscribed to its type", async () => {
    const a = await endpoint("/a", ["payment.completed"]);
    const b = await endpoint("/b", ["payment.completed", "customer.created"]);
    const off = await endpoint("/off", ["payment.completed", "customer.created"]);
    await disableEndpoint(ctx, { endpointId: off.endpoint.id });
    const other = await endpoint("/other", ["subscription.expired"]);
    const paid = await emit("payment.completed");
    const customer = await emit("customer.created");

    const first = await runOutboundOnce(t.db, options);
    expect(first).toMatchObject({ dispatched: 2, created: 3, attempted: 3, succeeded: 3 });
    expect(receiver.requests.map((r) => `${r.path} ${r.headers["webhook-id"]}`).sort()).toEqual(
      [`/a ${paid.id}`, `/b ${paid.id}`, `/b ${customer.id}`].sort(),
    );
    const dispatched = await t.db.select().from(domainEvents);
    expect(dispatched.every((e) => e.dispatchedAt?.toISOString() === "2026-03-01T10:00:00.000Z")).toBe(true);

    // Nothing more to do: no event is fanned out or delivered twice.
    clock.advanceDays(3);
    expect(await runOutboundOnce(t.db, options)).toMatchObject({ dispatched: 0, created: 0, attempted: 0 });
    expect(receiver.requests).toHaveLength(3);
    expect(await deliveriesOf(off.endpoint.id)).toEqual([]);
    expect(await deliveriesOf(other.endpoint.id)).toEqual([]);
    const delivered = [...(await deliveriesOf(a.endpoint.id)), ...(await deliveriesOf(b.endpoint.id))];
    expect(delivered.map((d) => [d.status, d.attempts])).toEqual([
      ["succeeded", 1],
      ["succeeded", 1],
      ["succeeded", 1],
    ]);
    expect(delivered.every((d) => d.deliveredAt?.toISOString() === "2026-03-01T10:00:00.000Z")).toBe(true);
  });

  it("sends the event's message, signed per Standard Webhooks", async () => {
    clock.set(new Date());
    const { endpoint: e, secret } = await endpoint("/hook", ["customer.created"]);
    const customer = await createCustomer(ctx, { email: "anna@example.com", name: "Anna Petrova" });
    await runOutboundOnce(t.db, options);

    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    const [event] = await t.db.select().from(domainEvents).where(eq(domainEvents.type, "customer.created"));
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hook");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-id"]).toBe(event!.id);
    expect(request.headers["webhook-timestamp"]).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(request.body).toBe(JSON.stringify(eventMessage(event!)));
    expect(JSON.parse(request.body)).toMatchObject({
      id: event!.id,
      type: "customer.created",
      aggregate: { type: "customer", id: customer.id },
    });
    expect(signedWith(secret, request)).toBe(true);
    expect(String(request.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    // The reference library agrees (its clock check passes: the clock here is the real time).
    const { Webhook } = await import("standardwebhooks");
    expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toMatchObject(
      {
        id: event!.id,
      },
    );
    const [attempt] = await attemptsOf((await deliveriesOf(e.id))[0]!.id);
    expect(attempt).toMatchObject({ attempt: 1, statusCode: 200, responseExcerpt: "ok", error: null });
    expect(attempt!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("signs with both secrets for 24 hours after a rotation, then with the new one only", async () => {
    const created = await endpoint("/hook", ["payment.completed"]);
    clock.advanceDays(1);
    const rotated = await rotateEndpointSecret(ctx, { endpointId: created.endpoint.id });
    await emit("payment.completed");
    await runOutboundOnce(t.db, options);
    const during = receiver.requests[0]!;
    expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(signedWith(created.secret, during)).toBe(true);
    expect(signedWith(rotated.secret, during)).toBe(true);

    clock.set(new Date(clock.now().getTime() + 24 * HOUR));
    await emit("payment.completed");
    await runOutboundOnce(t.db, options);
    const after = receiver.requests[1]!;
    expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(signedWith(rotated.secret, after)).toBe(true);
    expect(signedWith(created.secret, after)).toBe(false);
  });

  it("retries a failing receiver on the Standard Webhooks schedule, then fails the delivery", async () => {
    receiver.respond(() => ({ status: 500, body: "database down" }));
    let draw = 0;
    // Jitter draws alternate between the extremes, so each bound is hit.
    const random = () => (draw++ % 2 === 0 ? 0 : 0.999999);
    const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
    const event = await emit("payment.completed");

    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const attemptAt = clock.now().getTime();
      const result = await runOutboundOnce(t.db, { ...options, random });
      expect(result.attempted).toBe(1);
      const [delivery] = await deliveriesOf(e.id);
      expect(delivery!.attempts).toBe(attempt);
      expect(delivery!.lastStatusCode).toBe(500);
      if (attempt === 10) {
        expect(result.failed).toBe(1);
        expect(delivery).toMatchObject({ status: "failed", nextAttemptAt: null, deliveredAt: null });
        break;
      }
      expect(result.retrying).toBe(1);
      expect(delivery!.status).toBe("pending");
      const wait = delivery!.nextAttemptAt!.getTime() - attemptAt;
      const base = RETRY_AFTER[attempt - 1]!;
      expect(wait).toBeGreaterThanOrEqual(base * 0.8);
      expect(wait).toBeLessThanOrEqual(base * 1.2);
      // Not a millisecond early…
      clock.set(new Date(delivery!.nextAttemptAt!.getTime() - 1));
      expect((await runOutboundOnce(t.db, options)).attempted).toBe(0);
      // …and on time.
      clock.set(delivery!.nextAttemptAt!);
    }

    expect(receiver.requests).toHaveLength(10);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([event.id]));
    // Each attempt carries its own timestamp and a signature for it.
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-timestamp"])).size).toBe(10);
    const [delivery] = await deliveriesOf(e.id);
    const attempts = await attemptsOf(delivery!.id);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.responseExcerpt])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i + 1, 500, "database down"]),
    );
    // Done: time passing brings no eleventh attempt.
    clock.advanceDays(30);
    expect((await runOutboundOnce(t.db, options)).attempted).toBe(0);
  });

  it("keeps only the first 500 characters of an answer", async () => {
    receiver.respond(() => ({ status: 502, body: `${"é".repeat(400)}${"x".repeat(5_000)}` }));
    const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
    await emit("payment.completed");
    await runOutboundOnce(t.db, options);
    const [attempt] = await attemptsOf((await deliveriesOf(e.id))[0]!.id);
    expect(attempt!.responseExcerpt).toBe(`${"é".repeat(400)}${"x".repeat(100)}`);
  });

  it("disables the endpoint on 410 Gone (audited as the system) and fails its pending deliveries", async () => {
    receiver.respond((r) => (r.path === "/gone" ? { status: 410, body: "unsubscribed" } : { status: 500 }));
    const gone = await endpoint("/gone", ["payment.completed"]);
    const kept = await endpoint("/kept", ["payment.completed"]);
    await emit("payment.completed");
    // A second delivery to the same endpoint, due later: it must end too.
    await runOutboundOnce(t.db, { ...options, deliveryLimit: 0 });
    clock.set(new Date(clock.now().getTime() + SECOND));
    await emit("payment.completed");
    await runOutboundOnce(t.db, { ...options, deliveryLimit: 0 });
    const due = await deliveriesOf(gone.endpoint.id);
    await t.db
      .update(webhookDeliveries)
      .set({ nextAttemptAt: new Date(clock.now().getTime() + HOUR) })
      .where(eq(webhookDeliveries.id, due[1]!.id));

    const result = await runOutboundOnce(t.db, options);
    expect(result.gone).toBe(1);
    const [row] = await t.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, gone.endpoint.id));
    expect(row).toMatchObject({ status: "disabled", disabledReason: expect.stringMatching(/410 Gone/) });
    const deliveries = await deliveriesOf(gone.endpoint.id);
    expect(deliveries.map((d) => [d.status, d.attempts, d.lastStatusCode])).toEqual([
      ["failed", 1, 410],
      ["failed", 0, null],
    ]);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, gone.endpoint.id), eq(auditLog.action, "endpoint.disable")));
    expect(entry).toMatchObject({
      actorType: "system",
      actorId: "system:outbound",
      reason: expect.stringMatching(/410 Gone/),
      after: { status: "disabled", pendingDeliveriesFailed: 2 },
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    // The other endpoint carries on; the disabled one gets nothing new.
    expect((await deliveriesOf(kept.endpoint.id))[0]!.status).toBe("pending");
    await emit("payment.completed");
    clock.advanceDays(1);
    await runOutboundOnce(t.db, options);
    expect(await deliveriesOf(gone.endpoint.id)).toHaveLength(2);
    expect(receiver.requests.filter((r) => r.path === "/gone")).toHaveLength(1);

    // Enabled again, it receives new events.
    await enableEndpoint(ctx, { endpointId: gone.endpoint.id });
    receiver.respond(() => ({ status: 204 }));
    await emit("payment.completed");
    await runOutboundOnce(t.db, options);
    expect((await deliveriesOf(gone.endpoint.id)).map((d) => d.status)).toEqual([
      "failed",
      "failed",
      "succeeded",
    ]);
  });

  it("does not follow a redirect: a 3xx is a failed attempt", async () => {
    receiver.respond((r) =>
      r.path === "/hook"
        ? { status: 302, headers: { location: `${receiver.origin}/elsewhere` } }
        : { status: 200 },
    );
    const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
    await emit("payment.completed");
    const result = await runOutboundOnce(t.db, options);
    expect(result).toMatchObject({ attempted: 1, succeeded: 0, retrying: 1 });
    expect(receiver.requests.map((r) => r.path)).toEqual(["/hook"]);
    const [delivery] = await deliveriesOf(e.id);
    expect(delivery).toMatchObject({ status: "pending", lastStatusCode: 302 });
    expect(delivery!.lastError).toMatch(
      /^redirect \(302 to http:\/\/127\.0\.0\.1:\d+\/elsewhere\) not followed$/,
    );
  });

  it("gives up on an attempt after the timeout", async () => {
    receiver.respond(() => ({ status: 200, delayMs: 3_000 }));
    const { endpoint: e } = await endpoint("/slow", ["payment.completed"]);
    await emit("payment.completed");
    const started = Date.now();
    const result = await runOutboundOnce(t.db, { ...options, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(result).toMatchObject({ attempted: 1, succeeded: 0, retrying: 1 });
    const [delivery] = await deliveriesOf(e.id);
    const [attempt] = await attemptsOf(delivery!.id);
    expect(attempt).toMatchObject({
      statusCode: null,
      error: "timed out after 300 ms",
      responseExcerpt: null,
    });
    expect(attempt!.latencyMs).toBeGreaterThanOrEqual(290);
    expect(attempt!.latencyMs).toBeLessThan(2_000);
  });

  it("records a refused connection as a failed attempt", async () => {
    const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
    await t.db
      .update(webhookEndpoints)
      .set({ url: "http://127.0.0.1:1/closed" })
      .where(eq(webhookEndpoints.id, e.id));
    await emit("payment.completed");
    await runOutboundOnce(t.db, options);
    const [delivery] = await deliveriesOf(e.id);
    expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: null });
    expect(delivery!.lastError).toMatch(/ECONNREFUSED/);
  });

  describe("SSRF at delivery (WEBHOOK_ALLOW_PRIVATE unset)", () => {
    /** An endpoint whose URL is set directly, as if DNS or the rule changed after creation. */
    async function endpointAt(url: string) {
      const created = await endpoint("/hook", ["payment.completed"]);
      await t.db.update(webhookEndpoints).set({ url }).where(eq(webhookEndpoints.id, created.endpoint.id));
      return created.endpoint.id;
    }

    it.each([
      ["a loopback literal", (port: number) => `https://127.0.0.1:${port}/hook`, /loopback/],
      ["an IPv4-mapped loopback", (port: number) => `https://[::ffff:127.0.0.1]:${port}/hook`, /loopback/],
      ["the metadata address", () => "https://169.254.169.254/latest/meta-data", /link-local/],
      ["a private literal", () => "https://10.1.2.3/hook", /private/],
      ["localhost", (port: number) => `https://localhost:${port}/hook`, /loopback/],
      ["plain http", (port: number) => `http://127.0.0.1:${port}/hook`, /https/],
    ])("refuses %s and sends nothing", async (_name, url, reason) => {
      const id = await endpointAt(url(receiver.port));
      await emit("payment.completed");
      process.env.WEBHOOK_ALLOW_PRIVATE = "";
      await runOutboundOnce(t.db, options);
      const [delivery] = await deliveriesOf(id);
      expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: null });
      expect(delivery!.lastError).toMatch(/^refused: /);
      expect(delivery!.lastError).toMatch(reason);
      expect(receiver.requests).toHaveLength(0);
    });

    it("checks the addresses it connects to: a name that rebinds to 127.0.0.1 is refused", async () => {
      process.env.WEBHOOK_ALLOW_PRIVATE = "";
      let lookups = 0;
      // Public when the endpoint is created, loopback when the delivery resolves it.
      const resolve: Resolve = async () => [
        { address: lookups++ === 0 ? "93.184.215.14" : "127.0.0.1", family: 4 },
      ];
      const { endpoint: e } = await createEndpoint(
        ctx,
        { url: `https://rebind.example:${receiver.port}/hook`, eventTypes: ["payment.completed"] },
        { resolve },
      );
      await emit("payment.completed");
      await runOutboundOnce(t.db, { ...options, resolve });
      expect(lookups).toBe(2);
      const [delivery] = await deliveriesOf(e.id);
      expect(delivery!.lastError).toBe(
        "refused: rebind.example (127.0.0.1) is a loopback address: webhooks are only sent to public addresses",
      );
      expect(receiver.requests).toHaveLength(0);
    });

    it("connects to the address its lookup returned (not a second resolution)", async () => {
      // Allowed here, to reach the receiver: the name exists only in this resolver.
      const resolve: Resolve = async () => [{ address: "127.0.0.1", family: 4 }];
      const { endpoint: e } = await createEndpoint(
        ctx,
        { url: `http://receiver.invalid:${receiver.port}/hook`, eventTypes: ["payment.completed"] },
        { resolve },
      );
      await emit("payment.completed");
      await runOutboundOnce(t.db, { ...options, resolve });
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.headers.host).toBe(`receiver.invalid:${receiver.port}`);
      expect((await deliveriesOf(e.id))[0]!.status).toBe("succeeded");
    });
  });

  describe("resend", () => {
    it("attempts a failed delivery now, as the admin, and settles it on success", async () => {
      receiver.respond(() => ({ status: 503 }));
      const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
      await emit("payment.completed");
      await runOutboundOnce(t.db, options);
      const [pending] = await deliveriesOf(e.id);
      await t.db
        .update(webhookDeliveries)
        .set({ status: "failed", nextAttemptAt: null })
        .where(eq(webhookDeliveries.id, pending!.id));

      receiver.respond(() => ({ status: 200, body: "thanks" }));
      clock.advanceDays(1);
      const result = await resendDelivery(ctx, { deliveryId: pending!.id });
      expect(result).toMatchObject({ outcome: "succeeded", statusCode: 200, error: null });
      expect(result.delivery).toMatchObject({ status: "succeeded", attempts: 2, lastStatusCode: 200 });
      expect(result.delivery.deliveredAt?.toISOString()).toBe("2026-03-02T10:00:00.000Z");
      const attempts = await attemptsOf(pending!.id);
      expect(attempts.map((a) => [a.attempt, a.statusCode, a.manualByStaffId])).toEqual([
        [1, 503, null],
        [2, 200, actor.id],
      ]);
      const [entry] = await t.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.entityType, "webhook_delivery"), eq(auditLog.entityId, pending!.id)));
      expect(entry).toMatchObject({
        action: "webhook_delivery.resend",
        actorId: actor.id,
        before: { status: "failed", attempts: 1 },
        after: { status: "succeeded", attempts: 2, statusCode: 200 },
      });
      const log = await listDeliveries(t.db, e.id);
      expect(log.rows[0]!.attemptLog.map((a) => a.manualByEmail)).toEqual([null, "boss@paydesk.test"]);
    });

    it("a failed resend leaves the schedule as it was", async () => {
      receiver.respond(() => ({ status: 500 }));
      const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
      await emit("payment.completed");
      await runOutboundOnce(t.db, options);
      const [before] = await deliveriesOf(e.id);
      const result = await resendDelivery(ctx, { deliveryId: before!.id });
      expect(result.outcome).toBe("pending");
      const [after] = await deliveriesOf(e.id);
      expect(after).toMatchObject({ status: "pending", attempts: 2, nextAttemptAt: before!.nextAttemptAt });
      // The next scheduled attempt is still the schedule's second (5 minutes after it).
      clock.set(after!.nextAttemptAt!);
      await runOutboundOnce(t.db, options);
      const [third] = await deliveriesOf(e.id);
      expect(third!.nextAttemptAt!.getTime() - clock.now().getTime()).toBe(5 * MINUTE);
    });

    it("is refused for a disabled endpoint", async () => {
      const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
      await emit("payment.completed");
      await runOutboundOnce(t.db, options);
      await disableEndpoint(ctx, { endpointId: e.id });
      const [delivery] = await deliveriesOf(e.id);
      const err = await resendDelivery(ctx, { deliveryId: delivery!.id }).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe("conflict");
      expect(receiver.requests).toHaveLength(1);
    });
  });

  it("pages the delivery log newest first by keyset", async () => {
    const { endpoint: e } = await endpoint("/hook", ["payment.completed"]);
    for (let i = 0; i < 7; i += 1) {
      await emit("payment.completed");
      await runOutboundOnce(t.db, { ...options, deliveryLimit: 0 });
      clock.set(new Date(clock.now().getTime() + (i % 2) * SECOND)); // some share a created_at
    }
    const all = await deliveriesOf(e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listDeliveries(t.db, e.id, { cursor, limit: 3 });
      expect(page.rows.length).toBeLessThanOrEqual(3);
      seen.push(...page.rows.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const expected = [...all].sort(
      (x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id > x.id ? 1 : -1),
    );
    expect(seen).toEqual(expected.map((d) => d.id));
    // A cursor that is not one of ours is the first page.
    expect((await listDeliveries(t.db, e.id, { cursor: "garbage!", limit: 3 })).rows[0]!.id).toBe(seen[0]);
  });
});
