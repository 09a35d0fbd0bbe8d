import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/yookassa/route";
import type { DatabaseHandle } from "@/db/client";
import {
  auditLog,
  type Customer,
  payments,
  refunds,
  subscriptionGrants,
  subscriptions,
  webhookEvents,
} from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { PEER_HEADER, peerHeaderValue } from "@/lib/http/peer";
import { applyStoredEvent } from "@/lib/webhooks/apply";
import { REJECTIONS_AUDITED_PER_ADDRESS, resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

// ---------------------------------------------------------------------------------------
// YooKassa's side: notification shapes from the shared fixtures, and a local stand-in for
// its API (GET /v3/payments/{id}, GET /v3/refunds/{id}, basic auth).

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/yookassa");
const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as {
    type: string;
    event: string;
    object: Record<string, unknown>;
  };
const PAYMENT_FIXTURE = fixture("payment.succeeded.json").object;
const REFUND_FIXTURE = fixture("refund.succeeded.json").object;

const SHOP_ID = "100500";
const SECRET_KEY = "test_secret_key_yookassa";
const ALLOWED_IP = "185.71.76.10";

type ApiPaymentStatus = "pending" | "waiting_for_capture" | "succeeded" | "canceled";
type Json = Record<string, unknown>;

function apiPayment(
  id: string,
  status: ApiPaymentStatus,
  o: {
    value?: string;
    currency?: string;
    customer?: string | null;
    plan?: string | null;
    refunded?: string;
  } = {},
): Json {
  const currency = o.currency ?? "RUB";
  const zero = currency === "JPY" ? "0" : "0.00";
  const metadata: Record<string, string> = {};
  if (o.customer !== null) metadata.paydesk_customer = o.customer ?? "anna@example.com";
  if (o.plan !== null) metadata.paydesk_plan = o.plan ?? "premium";
  return {
    ...structuredClone(PAYMENT_FIXTURE),
    id,
    status,
    paid: status === "succeeded" || status === "waiting_for_capture",
    amount: { value: o.value ?? "599.00", currency },
    refunded_amount: { value: o.refunded ?? zero, currency },
    metadata,
    ...(status === "canceled"
      ? { cancellation_details: { party: "merchant", reason: "expired_on_capture" } }
      : {}),
  };
}

function apiRefund(id: string, paymentId: string, value = "599.00", status = "succeeded"): Json {
  return {
    ...structuredClone(REFUND_FIXTURE),
    id,
    payment_id: paymentId,
    status,
    amount: { value, currency: "RUB" },
  };
}

const notification = (event: string, object: Json) => ({ type: "notification", event, object });

interface StandIn {
  url: string;
  payments: Map<string, Json>;
  refunds: Map<string, Json>;
  /** Per object id: answer 500, or never within the timeout. */
  trouble: Map<string, "error" | "slow">;
  requests: string[];
  close(): Promise<void>;
}

async function startStandIn(): Promise<StandIn> {
  const state = {
    payments: new Map<string, Json>(),
    refunds: new Map<string, Json>(),
    trouble: new Map<string, "error" | "slow">(),
    requests: [] as string[],
  };
  const expectedAuth = `Basic ${Buffer.from(`${SHOP_ID}:${SECRET_KEY}`).toString("base64")}`;
  const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    state.requests.push(url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET") return send(405, { type: "error", code: "method_not_allowed" });
    if (req.headers.authorization !== expectedAuth) {
      return send(401, { type: "error", code: "invalid_credentials", description: "Basic auth failed" });
    }
    const match = /^\/v3\/(payments|refunds)\/([^/?]+)$/.exec(url);
    if (!match) return send(404, { type: "error", code: "not_found" });
    const [, kind, id] = match as unknown as [string, "payments" | "refunds", string];
    const trouble = state.trouble.get(id);
    if (trouble === "slow") return; // answers nothing; the client's timeout ends it
    if (trouble === "error") return send(500, { type: "error", code: "internal_server_error" });
    const object = state[kind].get(decodeURIComponent(id));
    if (!object) return send(404, { type: "error", code: "not_found", description: "Object not found" });
    send(200, object);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------

let api: StandIn;
let t: TestDatabase;
let customer: Customer;
let ctx: ServiceContext;
const ENV_KEYS = [
  "YOOKASSA_SHOP_ID",
  "YOOKASSA_SECRET_KEY",
  "YOOKASSA_API_BASE",
  "YOOKASSA_API_TIMEOUT_MS",
  "YOOKASSA_ALLOWED_IPS",
  "YOOKASSA_WEBHOOK_SECRET",
  "TRUSTED_PROXY_HOPS",
  "TRUSTED_PROXIES",
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };

function setEnv(values: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

beforeAll(async () => {
  api = await startStandIn();
});
afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  setEnv({
    YOOKASSA_SHOP_ID: SHOP_ID,
    YOOKASSA_SECRET_KEY: SECRET_KEY,
    YOOKASSA_API_BASE: api.url,
    // Generous: on a loaded CI machine a stand-in answer can take seconds; the timeout tests set their own.
    YOOKASSA_API_TIMEOUT_MS: "15000",
    YOOKASSA_ALLOWED_IPS: undefined,
    YOOKASSA_WEBHOOK_SECRET: undefined,
    TRUSTED_PROXY_HOPS: "0",
    TRUSTED_PROXIES: undefined,
  });
  api.payments.clear();
  api.refunds.clear();
  api.trouble.clear();
  api.requests.length = 0;
  resetRejectionBudgets();
  t = await freshDatabase();
  // The route reads the process-wide database (db/runtime.ts); this test's stands in for it.
  globalForDb.__paydeskDb = Promise.resolve(t);
  ({ customer, ctx } = await baseline(t.db));
});

afterEach(async () => {
  globalForDb.__paydeskDb = undefined;
  await t.close();
  setEnv(savedEnv);
});

interface Sent {
  status: number;
  contentType: string | null;
  body: Record<string, unknown>;
}

/**
 * A delivery as the route sees it behind the custom server (lib/http/server.ts): `forwardedFor`
 * is the connection's own address, which the server records in its peer header; `proxied`
 * adds an X-Forwarded-For the sender or a proxy wrote.
 */
async function send(
  body: unknown,
  o: { forwardedFor?: string | null; proxied?: string; headers?: Record<string, string> } = {},
): Promise<Sent> {
  const headers = new Headers({ "content-type": "application/json", ...o.headers });
  const forwardedFor = o.forwardedFor === undefined ? ALLOWED_IP : o.forwardedFor;
  if (forwardedFor !== null) headers.set(PEER_HEADER, peerHeaderValue(forwardedFor));
  if (o.proxied !== undefined) headers.set("x-forwarded-for", o.proxied);
  const res = await POST(
    new Request("http://localhost/api/webhooks/yookassa", {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, contentType: res.headers.get("content-type"), body: parsed };
}

const newId = () => `2d9a${randomUUID().slice(4)}`;

/** A payment YooKassa has, and the notification about it. */
function paymentAt(status: ApiPaymentStatus, o: Parameters<typeof apiPayment>[2] = {}, id = newId()) {
  api.payments.set(id, apiPayment(id, status, o));
  return id;
}

const notify = (event: string, id: string) => {
  const object = event.startsWith("refund.") ? api.refunds.get(id) : api.payments.get(id);
  return notification(event, object ?? { id });
};

async function localPayment(providerId: string) {
  const [row] = await t.db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, "yookassa"), eq(payments.providerPaymentId, providerId)));
  return row ?? null;
}

async function storedEvent(eventId: string) {
  const [row] = await t.db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.provider, "yookassa"), eq(webhookEvents.eventId, eventId)));
  return row ?? null;
}

const grants = () => t.db.select().from(subscriptionGrants);
const apiCalls = () => api.requests.length;

// ---------------------------------------------------------------------------------------

describe("who may deliver", () => {
  it("accepts every published YooKassa range, over IPv4, IPv6 and IPv4-mapped IPv6", async () => {
    const sources = [
      "185.71.76.0",
      "185.71.76.31",
      "185.71.77.17",
      "77.75.153.1",
      "77.75.153.127",
      "77.75.156.11",
      "77.75.156.35",
      "77.75.154.128",
      "77.75.154.255",
      "2a02:5180::1",
      "2a02:5180:ffff:ffff::9",
      "::ffff:185.71.76.10",
      "::FFFF:77.75.156.35",
      "0:0:0:0:0:ffff:b947:4c0a", // 185.71.76.10, written in hex
    ];
    for (const source of sources) {
      // Types the handler ignores: what is checked here is only who may deliver.
      const res = await send(notification("payout.succeeded", { id: newId() }), { forwardedFor: source });
      expect(res.status, source).toBe(200);
    }
    const id = paymentAt("succeeded");
    const handled = await send(notify("payment.succeeded", id), { forwardedFor: "2a02:5180::7" });
    expect(handled.body.outcome).toBe("processed");
    expect((await localPayment(id))?.status).toBe("succeeded");
    const events = await t.db.select().from(webhookEvents);
    expect(events).toHaveLength(sources.length + 1);
    expect(new Set(events.map((e) => e.verification))).toEqual(new Set(["ip-allowlist"]));
  });

  it("refuses any other source with 403 problem+json, stores nothing and asks the API nothing", async () => {
    const refused = [
      "203.0.113.7",
      "185.71.76.32", // just past 185.71.76.0/27
      "185.71.75.255",
      "77.75.156.12",
      "77.75.154.127",
      "2a02:5181::1",
      "2001:db8::1",
      "::ffff:203.0.113.7",
      "0:0:0:0:0:ffff:cb00:7107",
      "::185.71.76.10", // IPv4-compatible (deprecated), not mapped: a different address
      "not-an-address",
      "185.71.76",
      "3108391946", // 185.71.76.10 as one integer: not a way any proxy writes an address
    ];
    const id = paymentAt("succeeded");
    for (const source of refused) {
      const res = await send(notify("payment.succeeded", id), { forwardedFor: source });
      expect(res.status, source).toBe(403);
      expect(res.contentType).toBe("application/problem+json");
      expect(res.body.status).toBe(403);
    }
    // No address at all (no header): refused too.
    expect((await send(notify("payment.succeeded", id), { forwardedFor: null })).status).toBe(403);
    expect(await t.db.select().from(webhookEvents)).toHaveLength(0);
    expect(await t.db.select().from(payments).where(eq(payments.provider, "yookassa"))).toHaveLength(0);
    expect(apiCalls()).toBe(0);
  });

  it("audits refused deliveries, a bounded number per source", async () => {
    const id = paymentAt("succeeded");
    for (let i = 0; i < 30; i++) {
      expect((await send(notify("payment.succeeded", id), { forwardedFor: "203.0.113.7" })).status).toBe(403);
    }
    expect((await send(notify("payment.succeeded", id), { forwardedFor: "198.51.100.1" })).status).toBe(403);
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.action, "webhook.rejected"));
    const fromFirst = entries.filter((e) => e.ip === "203.0.113.7");
    expect(fromFirst).toHaveLength(REJECTIONS_AUDITED_PER_ADDRESS);
    expect(entries.filter((e) => e.ip === "198.51.100.1")).toHaveLength(1);
    expect(entries.every((e) => e.actorId === "system:yookassa")).toBe(true);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("takes YOOKASSA_ALLOWED_IPS instead of the published ranges", async () => {
    setEnv({ YOOKASSA_ALLOWED_IPS: "10.0.0.0/8, fd00::/8,192.0.2.5" });
    const id = paymentAt("succeeded");
    expect((await send(notify("payment.succeeded", id), { forwardedFor: "10.20.30.40" })).status).toBe(200);
    expect((await send(notify("payment.canceled", id), { forwardedFor: "fd12::1" })).status).toBe(200);
    expect((await send(notify("payment.canceled", id), { forwardedFor: "192.0.2.6" })).status).toBe(403);
    expect((await send(notify("payment.canceled", id), { forwardedFor: ALLOWED_IP })).status).toBe(403);
  });

  it("trusts X-Forwarded-For only from TRUSTED_PROXIES, for TRUSTED_PROXY_HOPS hops", async () => {
    const id = paymentAt("succeeded");
    // No trusted proxy: whatever the sender wrote proves nothing.
    setEnv({ TRUSTED_PROXIES: undefined, TRUSTED_PROXY_HOPS: "0" });
    const spoofed = await send(notify("payment.succeeded", id), {
      forwardedFor: "203.0.113.9",
      proxied: ALLOWED_IP,
    });
    expect(spoofed.status).toBe(403);
    // Two trusted proxies (a CDN, then nginx): the entry the first one appended counts.
    setEnv({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8", TRUSTED_PROXY_HOPS: "2" });
    const viaCdn = await send(notify("payment.succeeded", id), {
      forwardedFor: "127.0.0.1",
      proxied: `203.0.113.9, ${ALLOWED_IP}, 10.0.0.2`,
    });
    expect(viaCdn.status).toBe(200);
    const claimed = await send(notify("payment.canceled", id), {
      forwardedFor: "127.0.0.1",
      proxied: `${ALLOWED_IP}, 203.0.113.9, 10.0.0.2`,
    });
    expect(claimed.status).toBe(403);
  });
});

describe("optional HMAC (Standard Webhooks)", () => {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const signer = new Webhook(secret);

  function signed(body: string, o: { id?: string; at?: Date; by?: Webhook } = {}) {
    const msgId = o.id ?? `msg_${randomUUID()}`;
    const at = o.at ?? new Date();
    return {
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": (o.by ?? signer).sign(msgId, at, body),
    };
  }

  beforeEach(() => {
    setEnv({ YOOKASSA_WEBHOOK_SECRET: secret });
  });

  it("accepts a valid signature from an allowed source and records both checks", async () => {
    const id = paymentAt("succeeded");
    const body = JSON.stringify(notify("payment.succeeded", id));
    const res = await send(body, { headers: signed(body) });
    expect(res.status).toBe(200);
    expect((await storedEvent(`${id}:payment.succeeded`))?.verification).toBe("ip-allowlist+hmac");
    expect((await localPayment(id))?.status).toBe("succeeded");
  });

  it("refuses a missing, forged, stale or mismatched signature with 403 and stores nothing", async () => {
    const id = paymentAt("succeeded");
    const body = JSON.stringify(notify("payment.succeeded", id));
    const other = new Webhook(`whsec_${randomBytes(32).toString("base64")}`);
    const cases: Record<string, Record<string, string>> = {
      missing: {},
      "no signature": { ...signed(body), "webhook-signature": "" },
      "other secret": signed(body, { by: other }),
      stale: signed(body, { at: new Date(Date.now() - 10 * 60_000) }),
      "from the future": signed(body, { at: new Date(Date.now() + 10 * 60_000) }),
      "another body": signed(body.replace("599.00", "1.00")),
      "unknown version": {
        ...signed(body),
        "webhook-signature": signed(body)["webhook-signature"].replace("v1,", "v2,"),
      },
      garbage: { "webhook-id": "x", "webhook-timestamp": "soon", "webhook-signature": "v1,@@@" },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const res = await send(body, { headers });
      expect(res.status, name).toBe(403);
      expect(res.contentType, name).toBe("application/problem+json");
    }
    expect(await t.db.select().from(webhookEvents)).toHaveLength(0);
    expect(apiCalls()).toBe(0);
  });

  it("a valid signature does not admit a refused source", async () => {
    const id = paymentAt("succeeded");
    const body = JSON.stringify(notify("payment.succeeded", id));
    const res = await send(body, { headers: signed(body), forwardedFor: "203.0.113.7" });
    expect(res.status).toBe(403);
    expect(await t.db.select().from(webhookEvents)).toHaveLength(0);
  });

  it("a secret that is not a Standard Webhooks secret is a configuration error (503), not an open door", async () => {
    setEnv({ YOOKASSA_WEBHOOK_SECRET: "whsec_not base64!" });
    const id = paymentAt("succeeded");
    const res = await send(notify("payment.succeeded", id));
    expect(res.status).toBe(503);
    expect(await t.db.select().from(webhookEvents)).toHaveLength(0);
  });
});

describe("the API decides, not the notification", () => {
  it("a notification the API does not confirm yet applies nothing, and its redelivery applies it later", async () => {
    const id = paymentAt("pending");
    const claimed = notification("payment.succeeded", apiPayment(id, "succeeded"));
    const first = await send(claimed);
    expect(first.status).toBe(409);
    expect(first.contentType).toBe("application/problem+json");
    expect(await localPayment(id)).toBeNull();
    expect(await grants()).toHaveLength(0);
    const stored = await storedEvent(`${id}:payment.succeeded`);
    expect(stored?.outcome).toBe("failed");
    expect(stored?.error).toMatch(/YooKassa reports pending/);

    // YooKassa redelivers anything not answered 200; by then its API agrees.
    api.payments.set(id, apiPayment(id, "succeeded"));
    const again = await send(claimed);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe("processed");
    expect((await localPayment(id))?.status).toBe("succeeded");
    expect(await grants()).toHaveLength(1);
    const settled = await storedEvent(`${id}:payment.succeeded`);
    expect(settled?.outcome).toBe("processed");
    expect(settled?.attempts).toBe(2);
  });

  it("records amount, currency, customer and plan from the API, whatever the body says", async () => {
    const id = paymentAt("succeeded", { value: "899.00", plan: "family" });
    const forged = notification(
      "payment.succeeded",
      apiPayment(id, "succeeded", {
        value: "1.00",
        currency: "USD",
        customer: "mallory@example.com",
        plan: "basic",
      }),
    );
    expect((await send(forged)).status).toBe(200);
    const payment = await localPayment(id);
    expect(payment).toMatchObject({
      amountMinor: 89_900n,
      currency: "RUB",
      customerId: customer.id,
      kind: "provider",
      provider: "yookassa",
      method: "card",
      createdBy: "system:yookassa",
    });
    const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, customer.id));
    expect(sub?.status).toBe("active");
  });

  it("converts decimal strings exactly, by each currency's exponent", async () => {
    const cases = [
      { value: "0.01", currency: "RUB", minor: 1n },
      { value: "1234567.89", currency: "RUB", minor: 123_456_789n },
      { value: "1500", currency: "JPY", minor: 1500n },
      { value: "1.234", currency: "KWD", minor: 1234n },
      { value: "19.90", currency: "EUR", minor: 1990n },
    ];
    for (const c of cases) {
      const id = paymentAt("succeeded", { value: c.value, currency: c.currency });
      expect((await send(notify("payment.succeeded", id))).status).toBe(200);
      expect(await localPayment(id)).toMatchObject({ amountMinor: c.minor, currency: c.currency });
    }
  });

  it("ignores, with the reason, what cannot be linked or does not exist", async () => {
    const unknownCustomer = paymentAt("succeeded", { customer: "nobody@example.com" });
    const noCustomer = paymentAt("succeeded", { customer: null });
    const unknownPlan = paymentAt("succeeded", { plan: "platinum" });
    const expectations: [string, RegExp][] = [
      [unknownCustomer, /No customer matches metadata\.paydesk_customer "nobody@example\.com"/],
      [noCustomer, /names no customer/],
      [unknownPlan, /Unknown plan "platinum"/],
      ["2d9a0000-0000-5000-8000-000000000000", /YooKassa has no \/v3\/payments\//],
    ];
    for (const [id, reason] of expectations) {
      const res = await send(notification("payment.succeeded", apiPayment(id, "succeeded")));
      expect(res.status, id).toBe(200);
      expect(res.body.outcome, id).toBe("ignored");
      const stored = await storedEvent(`${id}:payment.succeeded`);
      expect(stored?.outcome).toBe("ignored");
      expect(stored?.outcomeReason).toMatch(reason);
      expect(await localPayment(id)).toBeNull();
    }
    expect(await grants()).toHaveLength(0);
  });

  it("a payment without a plan is recorded and extends nothing", async () => {
    const id = paymentAt("succeeded", { plan: null });
    expect((await send(notify("payment.succeeded", id))).status).toBe(200);
    expect(await localPayment(id)).toMatchObject({ status: "succeeded", planId: null });
    expect(await grants()).toHaveLength(0);
  });

  it("stores other event types and ignores them without asking the API", async () => {
    for (const event of ["payout.succeeded", "deal.closed", "payment_method.active", "refund.canceled"]) {
      const res = await send(notification(event, { id: newId(), status: "whatever" }));
      expect(res.status, event).toBe(200);
      expect(res.body.outcome, event).toBe("ignored");
    }
    const events = await t.db.select().from(webhookEvents);
    expect(events).toHaveLength(4);
    for (const e of events) expect(e.outcomeReason).toMatch(/is not handled/);
    expect(apiCalls()).toBe(0);
  });

  it("answers 400 to a body that is not a notification, and stores nothing", async () => {
    const bodies = [
      "",
      "not json",
      "[]",
      "null",
      JSON.stringify({ type: "notification", event: "payment.succeeded" }),
      JSON.stringify({
        type: "notification",
        event: "payment.succeeded",
        object: { id: "../../v3/refunds/x" },
      }),
      JSON.stringify({ type: "event", event: "payment.succeeded", object: { id: newId() } }),
      JSON.stringify({ type: "notification", event: 42, object: { id: newId() } }),
    ];
    for (const body of bodies) {
      const res = await send(body);
      expect(res.status, body).toBe(400);
      expect(res.contentType).toBe("application/problem+json");
    }
    expect(await t.db.select().from(webhookEvents)).toHaveLength(0);
    expect(apiCalls()).toBe(0);
  });
});

describe("order and repetition", () => {
  const EVENTS = ["payment.waiting_for_capture", "payment.succeeded", "refund.succeeded"] as const;

  function permutations<T>(items: readonly T[]): T[][] {
    if (items.length <= 1) return [items.slice()];
    return items.flatMap((item, i) =>
      permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
    );
  }

  it("a duplicate answers 200 and does nothing more", async () => {
    const id = paymentAt("succeeded");
    const first = await send(notify("payment.succeeded", id));
    const second = await send(notify("payment.succeeded", id));
    expect(first.body).toMatchObject({ duplicate: false, outcome: "processed" });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true });
    expect(await grants()).toHaveLength(1);
    expect(await t.db.select().from(webhookEvents)).toHaveLength(1);
    const calls = apiCalls();
    await send(notify("payment.succeeded", id));
    expect(apiCalls()).toBe(calls); // a settled copy does not bother the API
  });

  it("every order of the handled events (each twice), after all happened at YooKassa: refunded once, extended once, revoked", async () => {
    for (const [i, order] of permutations(EVENTS).entries()) {
      const name = order.join(" → ");
      // A customer per order, so each order's subscription is its own.
      const buyer = await createCustomer(ctx, { email: `order-${i}@example.com`, name: `Order ${i}` });
      const id = newId();
      const refundId = newId();
      api.payments.set(id, apiPayment(id, "succeeded", { refunded: "599.00", customer: buyer.email }));
      api.refunds.set(refundId, apiRefund(refundId, id));
      for (const event of order) {
        const objectId = event === "refund.succeeded" ? refundId : id;
        for (let copy = 0; copy < 2; copy++) {
          const res = await send(notify(event, objectId));
          expect(res.status, `${name}: ${event} #${copy}`).toBe(200);
        }
      }
      const payment = await localPayment(id);
      expect(payment, name).toMatchObject({
        status: "refunded",
        refundedMinor: 59_900n,
        customerId: buyer.id,
      });
      const refundRows = await t.db.select().from(refunds).where(eq(refunds.paymentId, payment!.id));
      expect(refundRows, name).toHaveLength(1);
      expect(refundRows[0], name).toMatchObject({
        providerRefundId: refundId,
        provider: "yookassa",
        actor: "system:yookassa",
      });
      const g = await t.db
        .select()
        .from(subscriptionGrants)
        .where(eq(subscriptionGrants.paymentId, payment!.id));
      expect(g, name).toHaveLength(1);
      expect(g[0]!.revokedAt, name).not.toBeNull();
      const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, buyer.id));
      expect(sub?.status, name).toBe("expired");
      const keys = [
        `${id}:payment.waiting_for_capture`,
        `${id}:payment.succeeded`,
        `${refundId}:refund.succeeded`,
      ];
      for (const key of keys)
        expect(["processed", "ignored"], `${name}: ${key}`).toContain((await storedEvent(key))?.outcome);
    }
    expect(await t.db.select().from(webhookEvents)).toHaveLength(18);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("as it happens: held → processing, succeeded → extended, partial then full refund", async () => {
    const id = paymentAt("waiting_for_capture");
    expect((await send(notify("payment.waiting_for_capture", id))).status).toBe(200);
    expect((await localPayment(id))?.status).toBe("processing");
    expect(await grants()).toHaveLength(0);

    api.payments.set(id, apiPayment(id, "succeeded"));
    expect((await send(notify("payment.succeeded", id))).status).toBe(200);
    expect((await localPayment(id))?.status).toBe("succeeded");
    const [granted] = await grants();
    expect(granted?.days).toBe(30);

    const partial = newId();
    api.refunds.set(partial, apiRefund(partial, id, "100.00"));
    expect((await send(notify("refund.succeeded", partial))).body.outcome).toBe("processed");
    expect(await localPayment(id)).toMatchObject({ status: "partially_refunded", refundedMinor: 10_000n });
    expect((await grants())[0]?.revokedAt).toBeNull(); // a partial refund keeps access

    const rest = newId();
    api.refunds.set(rest, apiRefund(rest, id, "499.00"));
    expect((await send(notify("refund.succeeded", rest))).body.outcome).toBe("processed");
    expect(await localPayment(id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect((await grants())[0]?.revokedAt).not.toBeNull();
  });

  it.each([
    ["payment.waiting_for_capture", "payment.canceled"],
    ["payment.canceled", "payment.waiting_for_capture"],
  ])("%s then %s, payment canceled at YooKassa: canceled, nothing granted", async (a, b) => {
    const id = paymentAt("canceled");
    expect((await send(notify(a!, id))).status).toBe(200);
    expect((await send(notify(b!, id))).status).toBe(200);
    expect((await localPayment(id))?.status).toBe("canceled");
    expect(await grants()).toHaveLength(0);
  });

  it("a late or contradicting notification changes nothing and says why", async () => {
    const id = paymentAt("succeeded");
    expect((await send(notify("payment.succeeded", id))).status).toBe(200);
    // A late "held" after success, and a forged "canceled" the API contradicts.
    const late = await send(notify("payment.waiting_for_capture", id));
    const forged = await send(notification("payment.canceled", apiPayment(id, "canceled")));
    expect(late.body.outcome).toBe("ignored");
    expect(forged.body.outcome).toBe("ignored");
    // The API's state is applied, whatever the notification claims: it is what Paydesk has.
    expect((await storedEvent(`${id}:payment.waiting_for_capture`))?.outcomeReason).toBe(
      "Nothing to change: Paydesk already agrees with YooKassa",
    );
    expect((await storedEvent(`${id}:payment.canceled`))?.outcomeReason).toBe(
      "Nothing to change: Paydesk already agrees with YooKassa",
    );
    expect((await localPayment(id))?.status).toBe("succeeded");
    expect(await grants()).toHaveLength(1);
  });

  it("a refund the API does not confirm is not applied until it does; a canceled one never", async () => {
    const id = paymentAt("succeeded");
    await send(notify("payment.succeeded", id));
    const refundId = newId();
    api.refunds.set(refundId, apiRefund(refundId, id, "599.00", "pending"));
    expect((await send(notification("refund.succeeded", apiRefund(refundId, id)))).status).toBe(409);
    expect((await localPayment(id))?.status).toBe("succeeded");

    expect(await t.db.select().from(refunds)).toHaveLength(0);

    // Canceled at YooKassa: recorded as the provider's refund that failed, never counted.
    api.refunds.set(refundId, apiRefund(refundId, id, "599.00", "canceled"));
    const res = await send(notification("refund.succeeded", apiRefund(refundId, id)));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe("processed");
    expect((await storedEvent(`${refundId}:refund.succeeded`))?.outcomeReason).toMatch(
      /canceled at YooKassa.*nothing was refunded/,
    );
    expect(await localPayment(id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect(await t.db.select().from(refunds)).toMatchObject([
      { providerRefundId: refundId, status: "failed", providerStatus: "canceled", amountMinor: 59_900n },
    ]);
    expect((await grants())[0]?.revokedAt).toBeNull();
  });

  it("a refund larger than what is left is not counted, says why, and leaves nothing pending", async () => {
    const id = paymentAt("succeeded");
    await send(notify("payment.succeeded", id));
    const refundId = newId();
    api.refunds.set(refundId, apiRefund(refundId, id, "600.00"));
    const res = await send(notify("refund.succeeded", refundId));
    expect(res.status).toBe(200);
    expect((await storedEvent(`${refundId}:refund.succeeded`))?.outcomeReason).toMatch(
      /not counted: At most 599\.00 RUB is left to refund/,
    );
    expect(await localPayment(id)).toMatchObject({ status: "succeeded", refundedMinor: 0n });
    expect((await grants())[0]?.revokedAt).toBeNull();
    // It must not be left a pending refund: that would refuse every later refund of this
    // payment ("waiting for YooKassa to confirm it") and keep the reconciler on it for ever.
    const rows = await t.db.select().from(refunds);
    expect(rows.filter((r) => r.status === "pending")).toEqual([]);
  });
});

describe("when YooKassa's API cannot answer", () => {
  it("an API error stores the event as failed and answers 503; the redelivery applies it", async () => {
    const id = paymentAt("succeeded");
    api.trouble.set(id, "error");
    const res = await send(notify("payment.succeeded", id));
    expect(res.status).toBe(503);
    expect(res.contentType).toBe("application/problem+json");
    const failed = await storedEvent(`${id}:payment.succeeded`);
    expect(failed).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(failed?.error).toMatch(/HTTP 500/);
    expect(await localPayment(id)).toBeNull();

    api.trouble.delete(id);
    const again = await send(notify("payment.succeeded", id));
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe("processed");
    expect(await storedEvent(`${id}:payment.succeeded`)).toMatchObject({ outcome: "processed", attempts: 2 });
    expect(await grants()).toHaveLength(1);
  });

  it("a timeout does the same; a replay from the event log fetches again and applies it", async () => {
    setEnv({ YOOKASSA_API_TIMEOUT_MS: "400" });
    const id = paymentAt("succeeded");
    api.trouble.set(id, "slow");
    const started = Date.now();
    const res = await send(notify("payment.succeeded", id));
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    const failed = await storedEvent(`${id}:payment.succeeded`);
    expect(failed?.error).toMatch(/no answer within 400 ms/);

    api.trouble.delete(id);
    setEnv({ YOOKASSA_API_TIMEOUT_MS: "15000" });
    const replayed = await applyStoredEvent(t.db, failed!.id, { requestId: randomUUID() });
    expect(replayed.outcome).toBe("processed");
    expect((await localPayment(id))?.status).toBe("succeeded");
    expect(await grants()).toHaveLength(1);
  });

  it("wrong or missing credentials: failed and 503, never applied on the body's word", async () => {
    const id = paymentAt("succeeded");
    setEnv({ YOOKASSA_SECRET_KEY: "wrong" });
    const wrong = await send(notify("payment.succeeded", id));
    expect(wrong.status).toBe(503);
    expect((await storedEvent(`${id}:payment.succeeded`))?.error).toMatch(/refused the credentials/);
    setEnv({ YOOKASSA_SECRET_KEY: undefined });
    const missing = await send(notify("payment.canceled", id));
    expect(missing.status).toBe(503);
    expect((await storedEvent(`${id}:payment.canceled`))?.error).toMatch(/YOOKASSA_SECRET_KEY/);
    expect(await localPayment(id)).toBeNull();
  });

  it("a database outage answers 503", async () => {
    const id = paymentAt("succeeded");
    await t.close();
    const res = await send(notify("payment.succeeded", id));
    expect(res.status).toBe(503);
    t = await freshDatabase(); // for afterEach
  });
});

describe("fuzzed deliveries", () => {
  it("nothing a sender can send gives a 5xx", async () => {
    const known = paymentAt("succeeded");
    const knownRefund = newId();
    api.refunds.set(knownRefund, apiRefund(knownRefund, known, "1.00"));
    const handled = [
      "payment.succeeded",
      "payment.waiting_for_capture",
      "payment.canceled",
      "refund.succeeded",
    ];
    const id = fc.oneof(
      fc.constantFrom(known, knownRefund, "2d9a0000-0000-5000-8000-000000000000"),
      fc.uuid(),
      fc.string({ maxLength: 80 }),
    );
    const structured = fc.record(
      {
        type: fc.oneof(fc.constant("notification"), fc.string()),
        event: fc.oneof(fc.constantFrom(...handled), fc.string({ maxLength: 60 })),
        object: fc.oneof(
          fc.record({
            id,
            status: fc.string(),
            amount: fc.record({ value: fc.string(), currency: fc.string() }),
          }),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      structured.map((v) => JSON.stringify(v)),
      fc.json(),
      fc.string({ unit: "binary", maxLength: 300 }),
    );
    const headers = fc.dictionary(
      fc.constantFrom("webhook-id", "webhook-timestamp", "webhook-signature", "content-type"),
      fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(body, headers, fc.boolean(), async (b, h, withSecret) => {
        setEnv({
          YOOKASSA_WEBHOOK_SECRET: withSecret ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : undefined,
        });
        const res = await send(b, { headers: h });
        expect(res.status).toBeLessThan(500);
        expect([200, 400, 403, 409]).toContain(res.status);
      }),
      { numRuns: 100 },
    );
    // The known payment was applied once at most, however often it was named.
    expect((await grants()).length).toBeLessThanOrEqual(1);
  });
});

describe.runIf(backend === "postgres")("concurrent copies on PostgreSQL", () => {
  beforeEach(async () => {
    await t.close();
    t = await freshDatabase({ max: 24 });
    globalForDb.__paydeskDb = Promise.resolve(t);
    ({ customer } = await baseline(t.db));
  });

  it("12 copies of one notification at once: one application, one grant", async () => {
    const id = paymentAt("succeeded");
    const results = await Promise.all(
      Array.from({ length: 12 }, () => send(notify("payment.succeeded", id))),
    );
    for (const r of results) expect(r.status).toBe(200);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(await t.db.select().from(webhookEvents)).toHaveLength(1);
    expect(await t.db.select().from(payments).where(eq(payments.provider, "yookassa"))).toHaveLength(1);
    expect(await grants()).toHaveLength(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("every handled event of one payment, three copies each, all at once", async () => {
    const id = newId();
    const refundId = newId();
    api.payments.set(id, apiPayment(id, "succeeded", { refunded: "599.00" }));
    api.refunds.set(refundId, apiRefund(refundId, id));
    const deliveries = [
      ...Array.from({ length: 3 }, () => notify("payment.waiting_for_capture", id)),
      ...Array.from({ length: 3 }, () => notify("payment.succeeded", id)),
      ...Array.from({ length: 3 }, () => notify("refund.succeeded", refundId)),
    ];
    const results = await Promise.all(deliveries.map((d) => send(d)));
    for (const r of results) expect(r.status).toBe(200);
    expect(await localPayment(id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(await t.db.select().from(refunds)).toHaveLength(1);
    const g = await grants();
    expect(g).toHaveLength(1);
    expect(g[0]!.revokedAt).not.toBeNull();
    expect(await t.db.select().from(webhookEvents)).toHaveLength(3);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
