import { and, asc, count, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditLog, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor, ServiceContext } from "@/lib/context";
import { emitEvent } from "@/lib/events/emit";
import { resendDelivery } from "@/lib/outbound/deliver";
import {
  createEndpoint,
  disableEndpoint,
  enableEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
} from "@/lib/outbound/endpoints";
import { runOutboundOnce } from "@/lib/outbound/loop";
import { signingSecrets } from "@/lib/outbound/signature";
import { freshDatabase, type TestDatabase } from "../support/db";
import { type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";
import { refusal } from "../support/refusal";

const PUBLIC_URL = "https://93.184.215.14/hooks/paydesk";

function actorOf(user: Awaited<ReturnType<typeof insertStaff>>): Actor {
  return { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
}

describe("outbound endpoints (service verbs)", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;
  let adminId: string;
  let savedAllow: string | undefined;

  beforeEach(async () => {
    savedAllow = process.env.WEBHOOK_ALLOW_PRIVATE;
    delete process.env.WEBHOOK_ALLOW_PRIVATE;
    t = await freshDatabase();
    clock = clockAt("2026-03-01T10:00:00.000Z");
    const admin = await insertStaff(t.db, "admin", "boss@paydesk.test");
    adminId = admin.id;
    ctx = ctxFor(t.db, actorOf(admin), { now: clock.now, via: "web" });
  });
  afterEach(async () => {
    await t.close();
    if (savedAllow === undefined) delete process.env.WEBHOOK_ALLOW_PRIVATE;
    else process.env.WEBHOOK_ALLOW_PRIVATE = savedAllow;
  });

  async function endpointRow(id: string) {
    const [row] = await t.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    return row!;
  }
  async function endpointAudit(id: string) {
    return t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "webhook_endpoint"), eq(auditLog.entityId, id)))
      .orderBy(asc(auditLog.chainSeq));
  }
  async function counts() {
    const [e] = await t.db.select({ n: count() }).from(webhookEndpoints);
    const [a] = await t.db.select({ n: count() }).from(auditLog);
    return { endpoints: e?.n ?? 0, audit: a?.n ?? 0 };
  }

  it("creates an endpoint, returns its secret once and audits it without the secret", async () => {
    const { endpoint, secret } = await createEndpoint(ctx, {
      url: ` ${PUBLIC_URL} `,
      eventTypes: ["subscription.expired", "payment.completed", "payment.completed"],
      description: "The cinema",
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({
      url: PUBLIC_URL,
      description: "The cinema",
      // Once each, in catalogue order.
      eventTypes: ["payment.completed", "subscription.expired"],
      status: "enabled",
      createdByStaffId: adminId,
    });
    expect(endpoint.createdAt.toISOString()).toBe("2026-03-01T10:00:00.000Z");
    expect(endpoint).not.toHaveProperty("secret");
    expect(endpoint).not.toHaveProperty("previousSecret");
    expect((await endpointRow(endpoint.id)).secret).toBe(secret);

    const entries = await endpointAudit(endpoint.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "endpoint.create",
      actorId: adminId,
      via: "web",
      before: null,
      after: {
        url: PUBLIC_URL,
        description: "The cinema",
        eventTypes: ["payment.completed", "subscription.expired"],
        status: "enabled",
      },
    });
    expect(JSON.stringify(entries)).not.toContain(secret.slice(6));
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it.each([
    ["an http URL", { url: "http://93.184.215.14/h" }, "url", /https/],
    ["a loopback URL", { url: "https://127.0.0.1/h" }, "url", /loopback/],
    ["the metadata service", { url: "https://169.254.169.254/latest" }, "url", /link-local/],
    ["a name resolving to 127.0.0.1", { url: "https://localhost:3000/h" }, "url", /loopback/],
    ["an IPv4-mapped private address", { url: "https://[::ffff:192.168.1.1]/h" }, "url", /private/],
    ["not a URL", { url: "example.com/hook" }, "url", /full URL/],
    ["no event type", { eventTypes: [] }, "eventTypes", /at least one/],
    [
      "an unknown event type",
      { eventTypes: ["payment.completed", "payment.exploded"] },
      "eventTypes",
      /payment\.exploded/,
    ],
    ["a long description", { description: "x".repeat(501) }, "description", /at most 500/],
  ])("refuses %s with a field error and writes nothing", async (_name, change, field, message) => {
    const before = await counts();
    const err = await refusal(
      createEndpoint(ctx, { url: PUBLIC_URL, eventTypes: ["payment.completed"], ...change }),
    );
    expect(err.code).toBe("validation");
    expect(err.fieldErrors[field]?.join(" ")).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it("lists endpoints newest first with their last delivery, never a secret", async () => {
    const a = await createEndpoint(ctx, { url: `${PUBLIC_URL}/a`, eventTypes: ["payment.completed"] });
    clock.advanceDays(1);
    const b = await createEndpoint(ctx, { url: `${PUBLIC_URL}/b`, eventTypes: ["customer.created"] });
    let list = await listEndpoints(t.db);
    expect(list.map((e) => e.id)).toEqual([b.endpoint.id, a.endpoint.id]);
    expect(list.every((e) => e.lastDelivery === null)).toBe(true);
    expect(JSON.stringify(list)).not.toContain("whsec_");

    await t.db.transaction((tx) =>
      emitEvent(tx, {
        type: "payment.completed",
        aggregateType: "payment",
        aggregateId: "p1",
        payload: {},
        at: clock.now(),
      }),
    );
    // Fan out only (the target is not reachable from here): deliveries are due, not attempted.
    await runOutboundOnce(t.db, { now: clock.now, deliveryLimit: 0 });
    list = await listEndpoints(t.db);
    expect(list.find((e) => e.id === a.endpoint.id)?.lastDelivery).toMatchObject({
      status: "pending",
      eventType: "payment.completed",
      lastStatusCode: null,
    });
    expect(list.find((e) => e.id === b.endpoint.id)?.lastDelivery).toBeNull();
    expect(await getEndpoint(t.db, a.endpoint.id.toUpperCase())).toMatchObject({ id: a.endpoint.id });
  });

  it("disables (failing pending deliveries) and enables, auditing each real change once", async () => {
    const { endpoint } = await createEndpoint(ctx, { url: PUBLIC_URL, eventTypes: ["payment.completed"] });
    await t.db.transaction((tx) =>
      emitEvent(tx, {
        type: "payment.completed",
        aggregateType: "payment",
        aggregateId: "p1",
        payload: {},
        at: clock.now(),
      }),
    );
    await runOutboundOnce(t.db, { now: clock.now, deliveryLimit: 0 });

    clock.advanceDays(1);
    const off = await disableEndpoint(ctx, { endpointId: endpoint.id, reason: "receiver retired" });
    expect(off.changed).toBe(true);
    expect(await endpointRow(endpoint.id)).toMatchObject({
      status: "disabled",
      disabledReason: "receiver retired",
      disabledAt: new Date("2026-03-02T10:00:00.000Z"),
    });
    const deliveries = await t.db.select().from(webhookDeliveries);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      status: "failed",
      nextAttemptAt: null,
      lastError: "endpoint disabled: receiver retired",
    });
    expect((await disableEndpoint(ctx, { endpointId: endpoint.id, reason: "again" })).changed).toBe(false);

    const on = await enableEndpoint(ctx, { endpointId: endpoint.id });
    expect(on.changed).toBe(true);
    expect(await endpointRow(endpoint.id)).toMatchObject({
      status: "enabled",
      disabledReason: null,
      disabledAt: null,
    });
    expect((await enableEndpoint(ctx, { endpointId: endpoint.id })).changed).toBe(false);

    const entries = await endpointAudit(endpoint.id);
    expect(entries.map((e) => e.action)).toEqual(["endpoint.create", "endpoint.disable", "endpoint.enable"]);
    expect(entries[1]).toMatchObject({
      reason: "receiver retired",
      before: { status: "enabled" },
      after: { status: "disabled", disabledReason: "receiver retired", pendingDeliveriesFailed: 1 },
    });
    expect(entries[2]).toMatchObject({ before: { status: "disabled" }, after: { status: "enabled" } });
  });

  it("names the admin when a disable has no reason", async () => {
    const { endpoint } = await createEndpoint(ctx, { url: PUBLIC_URL, eventTypes: ["payment.completed"] });
    const off = await disableEndpoint(ctx, { endpointId: endpoint.id });
    expect(off.endpoint.disabledReason).toBe("Disabled by boss@paydesk.test");
  });

  it("rotates the secret: a new one once, the old one signing beside it for 24 hours", async () => {
    const created = await createEndpoint(ctx, { url: PUBLIC_URL, eventTypes: ["payment.completed"] });
    clock.advanceDays(2);
    const rotated = await rotateEndpointSecret(ctx, { endpointId: created.endpoint.id });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretExpiresAt.toISOString()).toBe("2026-03-04T10:00:00.000Z");
    const row = await endpointRow(created.endpoint.id);
    expect(row).toMatchObject({ secret: rotated.secret, previousSecret: created.secret });
    expect(signingSecrets(row, clock.now())).toEqual([rotated.secret, created.secret]);
    expect(signingSecrets(row, new Date("2026-03-04T10:00:00.000Z"))).toEqual([rotated.secret]);

    // A second rotation within the overlap drops the oldest secret at once.
    const again = await rotateEndpointSecret(ctx, { endpointId: created.endpoint.id });
    expect(await endpointRow(created.endpoint.id)).toMatchObject({
      secret: again.secret,
      previousSecret: rotated.secret,
    });

    const entries = await endpointAudit(created.endpoint.id);
    expect(entries.map((e) => e.action)).toEqual([
      "endpoint.create",
      "endpoint.rotate_secret",
      "endpoint.rotate_secret",
    ]);
    expect(entries[1]).toMatchObject({
      before: { previousSecretExpiresAt: null },
      after: { previousSecretExpiresAt: "2026-03-04T10:00:00.000Z" },
    });
    const text = JSON.stringify(entries);
    for (const s of [created.secret, rotated.secret, again.secret]) expect(text).not.toContain(s.slice(6));
  });

  it("answers not_found for an unknown endpoint or delivery, validation for a bad id", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    // One at a time: a call started before the previous one settled could reject unobserved.
    for (const call of [
      () => disableEndpoint(ctx, { endpointId: missing }),
      () => enableEndpoint(ctx, { endpointId: missing }),
      () => rotateEndpointSecret(ctx, { endpointId: missing }),
      () => resendDelivery(ctx, { deliveryId: missing }),
      () => getEndpoint(t.db, missing),
    ]) {
      expect((await refusal(call())).code).toBe("not_found");
    }
    const bad = await refusal(disableEndpoint(ctx, { endpointId: "nope" }));
    expect(bad.code).toBe("validation");
    expect(bad.fieldErrors.endpointId).toBeDefined();
  });

  describe.each(["support", "auditor"] as const)("as %s", (role: StaffRole) => {
    it("every verb is forbidden and writes nothing", async () => {
      const { endpoint } = await createEndpoint(ctx, { url: PUBLIC_URL, eventTypes: ["payment.completed"] });
      const other = ctxFor(t.db, actorOf(await insertStaff(t.db, role)), { now: clock.now });
      const before = await counts();
      const snapshot = await endpointRow(endpoint.id);
      for (const call of [
        () => createEndpoint(other, { url: PUBLIC_URL, eventTypes: ["payment.completed"] }),
        () => disableEndpoint(other, { endpointId: endpoint.id }),
        () => enableEndpoint(other, { endpointId: endpoint.id }),
        () => rotateEndpointSecret(other, { endpointId: endpoint.id }),
        () => resendDelivery(other, { deliveryId: "00000000-0000-4000-8000-000000000000" }),
      ]) {
        const err = await refusal(call());
        expect(err.code).toBe("forbidden");
        expect(err.message).toMatch(/not allowed to manage outbound webhook endpoints/);
      }
      expect(await counts()).toEqual(before);
      expect(await endpointRow(endpoint.id)).toEqual(snapshot);
    });
  });

  it("is forbidden for system actors (providers, jobs)", async () => {
    const system = ctxFor(t.db, { type: "system", id: "system:stripe" });
    const err = await refusal(createEndpoint(system, { url: PUBLIC_URL, eventTypes: ["payment.completed"] }));
    expect(err.code).toBe("forbidden");
    expect((await counts()).endpoints).toBe(0);
  });
});
