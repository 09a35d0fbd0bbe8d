import type http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "@/db/client";
import { auditLog, webhookEvents } from "@/db/schema";
import { createPeerServer, withDirectRoutes } from "@/lib/http/server";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { registerWebhookRoutes } from "@/lib/webhooks/routes";
import { freshDatabase, type TestDatabase } from "../support/db";

/**
 * The YooKassa allow-list judges the connection's real address: a sender anywhere that
 * writes a YooKassa address into X-Forwarded-For is refused, and stores nothing. Real HTTP
 * through the custom server (lib/http/server.ts) into the real route handler.
 */
const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };
const YOOKASSA_IP = "185.71.76.10";
let t: TestDatabase;
let server: http.Server;
let base: string;

beforeAll(async () => {
  // As `npm start` serves it: Paydesk's server answers the route itself (lib/http/direct-routes.ts).
  registerWebhookRoutes();
  server = createPeerServer(
    withDirectRoutes(() => {
      throw new Error("the webhook route must not reach Next");
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  vi.stubEnv("YOOKASSA_SHOP_ID", "123456");
  vi.stubEnv("YOOKASSA_SECRET_KEY", "test_secret");
  vi.stubEnv("YOOKASSA_ALLOWED_IPS", "");
  vi.stubEnv("YOOKASSA_WEBHOOK_SECRET", "");
  vi.stubEnv("TRUSTED_PROXIES", "");
  vi.stubEnv("TRUSTED_PROXY_HOPS", "0");
  resetRejectionBudgets();
  t = await freshDatabase();
  globalForDb.__paydeskDb = Promise.resolve(t);
});
afterEach(async () => {
  globalForDb.__paydeskDb = undefined;
  vi.unstubAllEnvs();
  await t.close();
});

const notification = JSON.stringify({
  type: "notification",
  event: "payment.succeeded",
  object: { id: "2d4f8a1e-000f-5000-9000-1b2c3d4e5f60", status: "succeeded" },
});

async function deliver(headers: Record<string, string>, body = notification) {
  const res = await fetch(`${base}/api/webhooks/yookassa`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { detail?: string } };
}

describe("YooKassa allow-list and X-Forwarded-For", () => {
  it("refuses a sender outside the allow-list that claims a YooKassa address", async () => {
    for (const claim of [YOOKASSA_IP, `1.2.3.4, ${YOOKASSA_IP}`]) {
      const answer = await deliver({ "x-forwarded-for": claim, "x-paydesk-peer": YOOKASSA_IP });
      expect(answer.status, claim).toBe(403);
      expect(answer.body.detail).toContain("127.0.0.1");
    }
    expect(await t.db.select().from(webhookEvents)).toHaveLength(0);
    const refusals = await t.db.select().from(auditLog).where(eq(auditLog.action, "webhook.rejected"));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((r) => r.ip === "127.0.0.1")).toBe(true);
  });

  it("believes X-Forwarded-For from a configured proxy", async () => {
    vi.stubEnv("TRUSTED_PROXIES", "127.0.0.1");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    // Past the allow-list: refused only for its body.
    const passed = await deliver({ "x-forwarded-for": `1.2.3.4, ${YOOKASSA_IP}` }, "not json");
    expect(passed.status).toBe(400);
    // The proxy's hop is an outsider: refused, whatever the outsider wrote.
    const outsider = await deliver({ "x-forwarded-for": `${YOOKASSA_IP}, 203.0.113.9` });
    expect(outsider.status).toBe(403);
    expect(outsider.body.detail).toContain("203.0.113.9");
  });

  it("the socket address itself is what the allow-list checks", async () => {
    vi.stubEnv("YOOKASSA_ALLOWED_IPS", "127.0.0.1/32");
    expect((await deliver({}, "not json")).status).toBe(400);
  });
});
