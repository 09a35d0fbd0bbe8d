import type http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import { API_CSP, STATIC_SECURITY_HEADERS } from "@/lib/http/security-headers";
import { createPeerServer, type NodeHandler, withDirectRoutes } from "@/lib/http/server";
import { MAX_BODY_BYTES } from "@/lib/providers/stripe/receive";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { registerWebhookRoutes } from "@/lib/webhooks/routes";
import { freshDatabase, type TestDatabase } from "../support/db";
import { paymentIntent, signature, stripeEvent, WEBHOOK_SECRET } from "../support/stripe";

/**
 * Paydesk's server answers the provider webhooks itself, ahead of Next (lib/http/direct-routes.ts):
 * real HTTP through createPeerServer + withDirectRoutes, as `npm start` serves them, with a
 * stand-in for Next that records what reached it.
 */
const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };
let t: TestDatabase;
let server: http.Server;
let base: string;
const reachedNext: string[] = [];

beforeAll(async () => {
  registerWebhookRoutes();
  const next: NodeHandler = (req, res) => {
    reachedNext.push(`${req.method} ${req.url}`);
    res.statusCode = 405;
    res.end("next");
  };
  server = createPeerServer(withDirectRoutes(next));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(async () => {
  vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
  resetRejectionBudgets();
  reachedNext.length = 0;
  t = await freshDatabase();
  globalForDb.__paydeskDb = Promise.resolve(t);
});
afterEach(async () => {
  globalForDb.__paydeskDb = undefined;
  vi.unstubAllEnvs();
  await t.close();
});

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

const ignoredEvent = () =>
  JSON.stringify(stripeEvent("customer.created", { id: "cus_direct", object: "customer" }));

describe("provider webhooks served ahead of Next", () => {
  it("a signed event is verified, stored and answered without Next, with the API headers", async () => {
    const event = stripeEvent(
      "payment_intent.created",
      paymentIntent({ id: "pi_direct_1", status: "requires_payment_method" }),
    );
    const body = JSON.stringify(event);
    const res = await post("/api/webhooks/stripe?via=test", body, { "stripe-signature": signature(body) });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { received: boolean; duplicate: boolean };
    expect(answer).toMatchObject({ received: true, duplicate: false });
    expect(res.headers.get("content-security-policy")).toBe(API_CSP);
    for (const { key, value } of STATIC_SECURITY_HEADERS) expect(res.headers.get(key)).toBe(value);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(reachedNext).toEqual([]);
    const stored = await t.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.eventId, event.id as string));
    expect(stored).toHaveLength(1);
    // The connection's own address, stamped by the server, is what the event records.
    expect(stored[0]!.sourceIp).toBe("127.0.0.1");

    const again = await post("/api/webhooks/stripe", body, { "stripe-signature": signature(body) });
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
  });

  it("an unsigned or forged delivery is refused with the receiver's own 400 and stores nothing", async () => {
    const body = ignoredEvent();
    const unsigned = await post("/api/webhooks/stripe", body);
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { detail: string }).detail).toMatch(/Missing Stripe-Signature/);
    const forged = await post("/api/webhooks/stripe", body, {
      "stripe-signature": signature(body, { secret: "whsec_someone_else" }),
    });
    expect(forged.status).toBe(400);
    expect(await t.db.select().from(webhookEvents)).toEqual([]);
  });

  it("a body over the limit gets 413 from the receiver, declared or not, and the rest is never read", async () => {
    const huge = `{"pad":"${"x".repeat(MAX_BODY_BYTES + 10)}"}`;
    const declared = await post("/api/webhooks/stripe", huge, { "stripe-signature": signature(huge) });
    expect(declared.status).toBe(413);

    // Chunked (no Content-Length): the server stops after the limit and closes the connection.
    let sent = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 64) controller.close();
        else controller.enqueue(new TextEncoder().encode("x".repeat(64 * 1024)));
      },
    });
    const streamed = await fetch(`${base}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body: chunked,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(streamed.headers.get("connection")).toBe("close");
    expect(await t.db.select().from(webhookEvents)).toEqual([]);
  });

  it("other methods and paths go to Next", async () => {
    await fetch(`${base}/api/webhooks/stripe`);
    await post("/api/webhooks/stripe/", ignoredEvent());
    await post("/api/webhooks/other", ignoredEvent());
    await post("/payments", "{}");
    expect(reachedNext).toEqual([
      "GET /api/webhooks/stripe",
      "POST /api/webhooks/stripe/",
      "POST /api/webhooks/other",
      "POST /payments",
    ]);
  });

  it("YooKassa's route is served the same way", async () => {
    vi.stubEnv("YOOKASSA_SHOP_ID", "123456");
    vi.stubEnv("YOOKASSA_SECRET_KEY", "test_secret");
    vi.stubEnv("YOOKASSA_ALLOWED_IPS", "");
    const res = await post("/api/webhooks/yookassa", "{}");
    // 127.0.0.1 is not one of YooKassa's addresses: the receiver refuses it, Next never sees it.
    expect(res.status).toBe(403);
    expect(res.headers.get("content-security-policy")).toBe(API_CSP);
    expect(reachedNext).toEqual([]);
  });
});
