import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import { POST as yookassaWebhook } from "@/app/api/webhooks/yookassa/route";
import type { DatabaseHandle } from "@/db/client";
import {
  auditLog,
  type Customer,
  domainEvents,
  jobLeases,
  payments,
  webhookDeliveries,
  webhookDeliveryAttempts,
  webhookEndpoints,
} from "@/db/schema";
import { signInWithPassword } from "@/lib/auth/sign-in";
import type { ServiceContext } from "@/lib/context";
import { fixedRequestId } from "@/lib/http/request-id";
import { captureLogs } from "@/lib/log/capture";
import { metricsAccess } from "@/lib/metrics/access";
import { observeDelivery } from "@/lib/metrics/webhook-delivery";
import { createPayment } from "@/lib/payments/create";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";
import { paymentIntentFor, stripeEvent, stripeId, WEBHOOK_SECRET, webhookRequest } from "../support/stripe";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

const TOKEN = "metrics-test-token-0123456789";
const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };

// ---------------------------------------------------------------------------------------
// The exposition format, read back: `name{label="value",…} number` per sample.

type Sample = { name: string; labels: Record<string, string>; value: number };

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!;
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The one sample of `name` whose labels include `labels`; undefined when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  const res = await GET(new Request("http://localhost/api/metrics", { headers }));
  const text = await res.text();
  return { res, text, samples: res.status === 200 ? parseExposition(text) : [] };
}

async function scrapeOk(): Promise<Sample[]> {
  const { res, text, samples } = await scrape();
  expect(res.status, text).toBe(200);
  return samples;
}

describe("GET /api/metrics", () => {
  let t: TestDatabase;
  let customer: Customer;
  let ctx: ServiceContext;

  beforeEach(async () => {
    vi.stubEnv("METRICS_TOKEN", TOKEN);
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    t = await freshDatabase();
    // The route reads the process-wide database (db/runtime.ts); this test's stands in for it.
    globalForDb.__paydeskDb = Promise.resolve(t);
    useActionDb(t.db);
    resetRejectionBudgets();
    ({ customer, ctx } = await baseline(t.db));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    resetActionSession();
    globalForDb.__paydeskDb = undefined;
    await t.close();
  });

  describe("access", () => {
    it("401 problem+json with WWW-Authenticate without a token, or with a wrong or non-Bearer one", async () => {
      for (const [headers, error] of [
        [{}, false],
        [{ authorization: "Bearer wrong-token" }, true],
        [{ authorization: `Bearer ${TOKEN}x` }, true],
        [{ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }, false],
      ] as const) {
        const { res, text } = await scrape(headers);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(JSON.parse(text)).toMatchObject({ status: 401, title: "Unauthorized" });
        expect(res.headers.get("www-authenticate")).toBe(
          error ? 'Bearer realm="paydesk-metrics", error="invalid_token"' : 'Bearer realm="paydesk-metrics"',
        );
        expect(text).not.toContain("paydesk_payments");
      }
    });

    it("404 problem+json saying metrics are off when METRICS_TOKEN is not set", async () => {
      vi.stubEnv("METRICS_TOKEN", "");
      const { res, text } = await scrape();
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(JSON.parse(text)).toMatchObject({ status: 404, title: "Metrics are off" });
    });

    it("the token check: exact match only, whatever the length", () => {
      expect(metricsAccess(`Bearer ${TOKEN}`, TOKEN)).toBe("allowed");
      expect(metricsAccess(`bearer  ${TOKEN} `, TOKEN)).toBe("allowed");
      expect(metricsAccess(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe("wrong");
      expect(metricsAccess("Bearer ", TOKEN)).toBe("missing");
      expect(metricsAccess(null, TOKEN)).toBe("missing");
      expect(metricsAccess(`Bearer ${TOKEN}`, "")).toBe("off");
    });

    it("200 in Prometheus text format with the right token, this process's Node metrics included", async () => {
      const { res, text, samples } = await scrape();
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(text).toContain("# TYPE paydesk_webhook_processing_seconds histogram");
      expect(text).toContain("# TYPE paydesk_payments gauge");
      // prom-client counts CPU from the registry's creation, and the kernel accounts it in
      // ticks: on a fresh registry the figure may honestly still be 0, so only its presence is pinned.
      expect(value(samples, "process_cpu_user_seconds_total")).toBeGreaterThanOrEqual(0);
      expect(value(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
      for (const query of ["payments", "webhook_events", "outbox", "outbound_deliveries", "jobs"]) {
        expect(value(samples, "paydesk_scrape_query_success", { query }), query).toBe(1);
      }
    });
  });

  describe("database state", () => {
    async function pay(amount: string, currency: string, status: "pending" | "succeeded") {
      await createPayment(ctx, {
        customer: customer.email,
        amount,
        currency,
        status,
        method: "bank_transfer",
        reason: "metrics test",
      });
    }

    it("payment gauges equal the database: counts by provider and status, amounts by currency and status", async () => {
      await pay("599.00", "RUB", "succeeded");
      await pay("299.00", "RUB", "succeeded");
      await pay("10.50", "USD", "pending");
      await pay("100.00", "RUB", "pending");

      const samples = await scrapeOk();
      const counts = await t.db
        .select({ provider: payments.provider, status: payments.status, n: sql<number>`count(*)::int` })
        .from(payments)
        .groupBy(payments.provider, payments.status);
      expect(counts.length).toBeGreaterThan(0);
      for (const row of counts) {
        expect(value(samples, "paydesk_payments", { provider: row.provider, status: row.status })).toBe(
          row.n,
        );
      }
      expect(value(samples, "paydesk_payments", { provider: "manual", status: "succeeded" })).toBe(2);
      expect(value(samples, "paydesk_payments", { provider: "manual", status: "pending" })).toBe(2);
      // Series that have nothing yet are there as 0, so a success rate's denominator exists.
      expect(value(samples, "paydesk_payments", { provider: "stripe", status: "failed" })).toBe(0);
      const total = samples.filter((s) => s.name === "paydesk_payments").reduce((sum, s) => sum + s.value, 0);
      expect(total).toBe(4);

      expect(value(samples, "paydesk_payments_amount_minor", { currency: "RUB", status: "succeeded" })).toBe(
        89_800,
      );
      expect(value(samples, "paydesk_payments_amount_minor", { currency: "RUB", status: "pending" })).toBe(
        10_000,
      );
      expect(value(samples, "paydesk_payments_amount_minor", { currency: "USD", status: "pending" })).toBe(
        1_050,
      );

      // Every payment wrote domain events; nothing relays them here, so they wait in the outbox.
      const [unpublished] = await t.db
        .select({ n: sql<number>`count(*)::int` })
        .from(domainEvents)
        .where(sql`${domainEvents.publishedAt} is null`);
      expect(unpublished!.n).toBeGreaterThan(0);
      expect(value(samples, "paydesk_outbox_backlog")).toBe(unpublished!.n);
      expect(value(samples, "paydesk_relay_lag_seconds")).toBeGreaterThanOrEqual(0);
      expect(value(samples, "paydesk_relay_enabled")).toBe(process.env.NATS_URL ? 1 : 0);
    });

    it("relay lag is the age of the oldest unpublished event; 0 with an empty outbox", async () => {
      await pay("599.00", "RUB", "succeeded");
      const hourAgo = new Date(Date.now() - 3_600_000);
      const [oldest] = await t.db.select({ id: domainEvents.id }).from(domainEvents).limit(1);
      await t.db.update(domainEvents).set({ occurredAt: hourAgo }).where(eq(domainEvents.id, oldest!.id));
      const lag = value(await scrapeOk(), "paydesk_relay_lag_seconds")!;
      expect(lag).toBeGreaterThanOrEqual(3_599);
      expect(lag).toBeLessThan(3_700);

      await t.db.update(domainEvents).set({ publishedAt: new Date() });
      const after = await scrapeOk();
      expect(value(after, "paydesk_relay_lag_seconds")).toBe(0);
      expect(value(after, "paydesk_outbox_backlog")).toBe(0);
    });

    it("reconciliation's last run and the relay's report come from their job rows", async () => {
      const finished = new Date("2026-05-01T12:00:00.000Z");
      await t.db.insert(jobLeases).values([
        {
          name: "reconcile",
          lastStartedAt: new Date(finished.getTime() - 2_000),
          lastFinishedAt: finished,
          lastResult: { checked: 7, changed: 2, errors: 1 },
        },
        { name: "expire", lastFinishedAt: finished, lastError: "connection reset" },
        {
          name: "relay",
          lastFinishedAt: finished,
          lastResult: {
            connected: false,
            backlog: 12,
            lastLagMs: 1_500,
            failingSince: finished.toISOString(),
          },
          lastError: "nats: connection refused",
        },
      ]);
      const samples = await scrapeOk();
      expect(value(samples, "paydesk_reconcile_last_run_timestamp_seconds")).toBe(finished.getTime() / 1000);
      expect(value(samples, "paydesk_reconcile_checked")).toBe(7);
      expect(value(samples, "paydesk_reconcile_changed")).toBe(2);
      expect(value(samples, "paydesk_reconcile_errors")).toBe(1);
      expect(value(samples, "paydesk_job_last_run_failed", { job: "reconcile" })).toBe(0);
      expect(value(samples, "paydesk_job_last_run_failed", { job: "expire" })).toBe(1);
      expect(value(samples, "paydesk_job_last_finished_timestamp_seconds", { job: "expire" })).toBe(
        finished.getTime() / 1000,
      );
      // The relay's holder reports on its row: whichever instance relays, every scrape sees it.
      expect(value(samples, "paydesk_relay_connected")).toBe(0);
      expect(value(samples, "paydesk_relay_last_publish_lag_seconds")).toBe(1.5);
      expect(value(samples, "paydesk_relay_failing_since_timestamp_seconds")).toBe(finished.getTime() / 1000);
      expect(value(samples, "paydesk_job_last_run_failed", { job: "relay" })).toBe(1);
    });

    it("outbound deliveries by status, and attempts without a 2xx as failures", async () => {
      await pay("599.00", "RUB", "succeeded");
      const [event] = await t.db.select({ id: domainEvents.id, type: domainEvents.type }).from(domainEvents);
      const statuses = ["succeeded", "failed", "pending"] as const;
      // One endpoint each: a delivery is unique per endpoint and event.
      const endpoints = await t.db
        .insert(webhookEndpoints)
        .values(
          statuses.map((s) => ({
            url: `https://${s}.example/hook`,
            eventTypes: [event!.type],
            secret: "whsec_x",
          })),
        )
        .returning();
      const deliveries = await t.db
        .insert(webhookDeliveries)
        .values(
          statuses.map((status, i) => ({
            endpointId: endpoints[i]!.id,
            eventId: event!.id,
            eventType: event!.type,
            status,
          })),
        )
        .returning();
      const at = new Date();
      await t.db.insert(webhookDeliveryAttempts).values([
        { deliveryId: deliveries[0]!.id, attempt: 1, at, statusCode: 500 },
        { deliveryId: deliveries[0]!.id, attempt: 2, at, statusCode: 204 },
        { deliveryId: deliveries[1]!.id, attempt: 1, at, statusCode: null, error: "timeout" },
        { deliveryId: deliveries[1]!.id, attempt: 2, at, statusCode: 410 },
        { deliveryId: deliveries[2]!.id, attempt: 1, at, statusCode: 302 },
      ]);
      const samples = await scrapeOk();
      expect(value(samples, "paydesk_outbound_deliveries", { status: "succeeded" })).toBe(1);
      expect(value(samples, "paydesk_outbound_deliveries", { status: "failed" })).toBe(1);
      expect(value(samples, "paydesk_outbound_deliveries", { status: "pending" })).toBe(1);
      expect(value(samples, "paydesk_outbound_delivery_failures")).toBe(4);
    });

    it("a failing query leaves out its own metrics, says so, logs it, and the rest is still reported", async () => {
      const logs = captureLogs();
      try {
        await pay("599.00", "RUB", "succeeded");
        await t.db.execute(
          sql`alter table webhook_delivery_attempts rename to webhook_delivery_attempts_gone`,
        );
        const samples = await scrapeOk();
        expect(value(samples, "paydesk_scrape_query_success", { query: "outbound_failures" })).toBe(0);
        expect(value(samples, "paydesk_outbound_delivery_failures")).toBeUndefined();
        expect(value(samples, "paydesk_scrape_query_success", { query: "payments" })).toBe(1);
        expect(value(samples, "paydesk_payments", { provider: "manual", status: "succeeded" })).toBe(1);
        const failed = logs.lines().filter((l) => l.msg === "metrics query failed");
        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({ level: "error", query: "outbound_failures", route: "metrics" });
        expect(typeof failed[0]!.requestId).toBe("string");
      } finally {
        logs.restore();
      }
    });

    it("without a database it still answers 200 with the process's metrics and every query marked failed", async () => {
      const down = Promise.reject(new Error("connection refused"));
      down.catch(() => {});
      globalForDb.__paydeskDb = down;
      const samples = await scrapeOk();
      expect(value(samples, "paydesk_scrape_query_success", { query: "payments" })).toBe(0);
      expect(value(samples, "paydesk_payments", { provider: "manual", status: "succeeded" })).toBeUndefined();
      // prom-client counts CPU from the registry's creation, and the kernel accounts it in
      // ticks: on a fresh registry the figure may honestly still be 0, so only its presence is pinned.
      expect(value(samples, "process_cpu_user_seconds_total")).toBeGreaterThanOrEqual(0);
    });
  });

  describe("in-process measurements", () => {
    const histogramCount = (samples: Sample[], outcome: string) =>
      value(samples, "paydesk_webhook_processing_seconds_count", { provider: "stripe", outcome }) ?? 0;

    it("the Stripe webhook route times each delivery by outcome and logs one line with its request id", async () => {
      vi.spyOn(console, "warn").mockImplementation(() => {}); // the refusal's own rate-limited line
      const logs = captureLogs("info");
      try {
        const before = await scrapeOk();
        const intent = paymentIntentFor("payment_intent.succeeded", {
          id: stripeId("pi"),
          metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
        });
        const event = stripeEvent("payment_intent.succeeded", intent);

        // No X-Request-Id: the route makes one, and the audit entries of the delivery carry it too.
        const first = await stripeWebhook(webhookRequest(event));
        expect(first.status).toBe(200);
        // The same delivery again, with the sender's own request id.
        const again = webhookRequest(event);
        const sent = new Request(again, {
          headers: { ...Object.fromEntries(again.headers), "x-request-id": "req-again" },
        });
        expect((await stripeWebhook(sent)).status).toBe(200);
        // Unsigned: refused.
        expect((await stripeWebhook(webhookRequest(event, { signature: null }))).status).toBe(400);

        const after = await scrapeOk();
        expect(histogramCount(after, "processed") - histogramCount(before, "processed")).toBe(1);
        expect(histogramCount(after, "duplicate") - histogramCount(before, "duplicate")).toBe(1);
        expect(histogramCount(after, "rejected") - histogramCount(before, "rejected")).toBe(1);
        expect(
          value(after, "paydesk_webhook_processing_seconds_bucket", {
            provider: "stripe",
            outcome: "processed",
            le: "+Inf",
          }),
        ).toBe(histogramCount(after, "processed"));
        expect(value(after, "paydesk_webhook_events", { provider: "stripe", outcome: "processed" })).toBe(1);
        expect(value(after, "paydesk_webhook_events", { provider: "yookassa", outcome: "failed" })).toBe(0);
        expect(value(after, "paydesk_payments", { provider: "stripe", status: "succeeded" })).toBe(1);

        const deliveries = logs.lines().filter((l) => l.msg === "webhook delivery");
        expect(deliveries).toHaveLength(3);
        const [processed, duplicate, rejected] = deliveries;
        expect(processed).toMatchObject({
          level: "info",
          provider: "stripe",
          eventId: event.id,
          outcome: "processed",
          status: 200,
        });
        expect(typeof processed!.ms).toBe("number");
        expect(typeof processed!.eventRowId).toBe("string");
        // The id the route made is the one the delivery's audit entries carry (refusal included).
        const audited = await t.db
          .select({ action: auditLog.action, requestId: auditLog.requestId })
          .from(auditLog)
          .where(eq(auditLog.actorId, "system:stripe"));
        const applied = audited.filter((a) => a.action !== "webhook.rejected");
        expect(applied.length).toBeGreaterThan(0);
        expect(new Set(applied.map((a) => a.requestId))).toEqual(new Set([processed!.requestId]));
        const refusals = audited.filter((a) => a.action === "webhook.rejected");
        expect(refusals.map((a) => a.requestId)).toEqual([rejected!.requestId]);
        // The sender's X-Request-Id is logged beside ours, never as ours.
        expect(duplicate).toMatchObject({
          clientRequestId: "req-again",
          eventId: event.id,
          outcome: "duplicate",
        });
        expect(duplicate!.requestId).not.toBe("req-again");
        expect(rejected).toMatchObject({ level: "warn", outcome: "rejected", status: 400, eventId: null });
        expect(rejected!.detail).toMatch(/Stripe-Signature/);
        // Every line written during a delivery carries a request id.
        expect(logs.lines().every((l) => typeof l.requestId === "string")).toBe(true);
      } finally {
        logs.restore();
      }
    });

    it("the YooKassa webhook route is timed and logged too (a refused source here)", async () => {
      vi.stubEnv("YOOKASSA_SHOP_ID", "100500");
      vi.stubEnv("YOOKASSA_SECRET_KEY", "test_secret_key_yookassa");
      vi.spyOn(console, "warn").mockImplementation(() => {}); // the refusal's own rate-limited line
      const rejected = (samples: Sample[]) =>
        value(samples, "paydesk_webhook_processing_seconds_count", {
          provider: "yookassa",
          outcome: "rejected",
        }) ?? 0;
      const before = await scrapeOk();
      const logs = captureLogs("info");
      try {
        const res = await yookassaWebhook(
          new Request("http://localhost/api/webhooks/yookassa", {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-request-id": "yk-1",
            },
            body: JSON.stringify({ type: "notification", event: "payment.succeeded", object: { id: "x" } }),
          }),
        );
        expect(res.status).toBe(403);
        expect(rejected(await scrapeOk()) - rejected(before)).toBe(1);
        expect(logs.lines().filter((l) => l.msg === "webhook delivery")).toEqual([
          expect.objectContaining({
            provider: "yookassa",
            clientRequestId: "yk-1",
            outcome: "rejected",
            status: 403,
          }),
        ]);
      } finally {
        logs.restore();
      }
    });

    it("the receiver reads the body once as sent; stopping early cancels the sender's stream, never hangs", async () => {
      let cancelled: unknown = null;
      let chunk = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          chunk += 1;
          controller.enqueue(new TextEncoder().encode(`{"id":"evt_${chunk}"`));
        },
        cancel(reason) {
          cancelled = reason ?? "cancelled";
        },
      });
      const init: RequestInit & { duplex: "half" } = { method: "POST", body: stream, duplex: "half" };
      const res = await observeDelivery(
        "stripe",
        new Request("http://localhost/api/webhooks/stripe", init),
        async (req) => {
          expect(fixedRequestId()).toMatch(/^[0-9a-f-]{36}$/);
          const reader = req.body!.getReader();
          await reader.read();
          await reader.read();
          await reader.cancel("too large");
          return new Response("{}", { status: 413 });
        },
        () => "never asked: not accepted",
      );
      expect(res.status).toBe(413);
      expect(cancelled).toBe("too large");
      expect(chunk).toBeLessThan(5);

      // An accepted delivery is named from the bytes the receiver read.
      const accepted = await observeDelivery(
        "stripe",
        new Request("http://localhost/api/webhooks/stripe", { method: "POST", body: '{"id":"evt_abc"}' }),
        async (req) =>
          Response.json({ received: true, duplicate: false, outcome: "ignored", body: await req.text() }),
        (body) => (JSON.parse(body) as { id: string }).id,
      );
      expect(await accepted.json()).toMatchObject({ outcome: "ignored", body: '{"id":"evt_abc"}' });
    });

    it("a failed sign-in moves the failure counter, the audited count, and logs the refusal", async () => {
      const before = await scrapeOk();
      const counter = (samples: Sample[], reason: string) =>
        value(samples, "paydesk_sign_in_failures_total", { reason }) ?? 0;
      const logs = captureLogs("info");
      try {
        const requestId = randomUUID();
        const result = await signInWithPassword(
          t.db,
          { email: "nobody@paydesk.test", password: "wrong" },
          { ip: "203.0.113.7", userAgent: "vitest", requestId },
        );
        expect(result).toMatchObject({ ok: false, code: "invalid" });
        const after = await scrapeOk();
        expect(counter(after, "invalid") - counter(before, "invalid")).toBe(1);
        expect(value(after, "paydesk_sign_in_failures_last_hour")).toBe(
          (value(before, "paydesk_sign_in_failures_last_hour") ?? 0) + 1,
        );
        const refused = logs.lines().filter((l) => l.msg === "sign-in refused");
        expect(refused).toEqual([
          expect.objectContaining({ level: "warn", requestId, reason: "invalid", ip: "203.0.113.7" }),
        ]);
        // The email someone typed is not logged.
        expect(JSON.stringify(logs.lines())).not.toContain("nobody@paydesk.test");
      } finally {
        logs.restore();
      }
    });
  });
});
