import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Db, openDatabase } from "@/db/client";
import { auditLog, type Customer, type Payment, payments, refunds, subscriptionGrants } from "@/db/schema";
import { type ServiceContext, systemContext } from "@/lib/context";
import { acquireLease, jobStatus, releaseLease } from "@/lib/jobs/lease";
import { RECONCILER, reconcile } from "@/lib/jobs/reconcile";
import { RECONCILE_JOB } from "@/lib/jobs/scheduler";
import { applyProviderState } from "@/lib/payments/apply-provider-state";
import { refundPayment } from "@/lib/payments/refund";
import { resetBreakers } from "@/lib/providers/breaker";
import { paymentIntentObject } from "@/lib/providers/stripe/event";
import { intentTarget } from "@/lib/providers/stripe/target";
import { fetchYooKassaPayment } from "@/lib/providers/yookassa/api";
import { yookassaState } from "@/lib/providers/yookassa/target";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";
import { type Json, type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";
import {
  startYooKassaApiStandIn,
  YOOKASSA_TEST_SECRET_KEY,
  YOOKASSA_TEST_SHOP_ID,
  type YooKassaApiStandIn,
} from "../support/yookassa-api";

/**
 * docs/providers.md "Reconciliation": provider payments still open 15 minutes after their last
 * change, and payments with a refund still pending, are synced as system:reconciler, one
 * instance at a time through the `reconcile` lease.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const WORKER = "tests/support/reconcile-worker.ts";
const HALF_HOUR = 30 * 60_000;

let stripe: StripeApiStandIn;
let yookassa: YooKassaApiStandIn;

beforeAll(async () => {
  stripe = await startStripeApiStandIn();
  yookassa = await startYooKassaApiStandIn();
  vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
  vi.stubEnv("STRIPE_API_BASE", stripe.url);
  vi.stubEnv("STRIPE_TIMEOUT_MS", "250");
  vi.stubEnv("YOOKASSA_SHOP_ID", YOOKASSA_TEST_SHOP_ID);
  vi.stubEnv("YOOKASSA_SECRET_KEY", YOOKASSA_TEST_SECRET_KEY);
  vi.stubEnv("YOOKASSA_API_BASE", yookassa.url);
  vi.stubEnv("YOOKASSA_API_TIMEOUT_MS", "300");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await stripe.close();
  await yookassa.close();
});

/** Records a Stripe intent (as it is at the stand-in) as if its webhook came `agoMs` ago. */
async function recordStripe(db: Db, intent: Json, agoMs = HALF_HOUR): Promise<Payment> {
  const then = new Date(Date.now() - agoMs);
  const target = intentTarget(paymentIntentObject.parse(intent));
  if (!target.ok) throw new Error(target.reason);
  const applied = await applyProviderState(
    { ...systemContext(db, "system:stripe", "webhook"), now: () => then },
    {
      provider: "stripe",
      providerPaymentId: String(intent.id),
      observedAt: then,
      payment: target.value,
      refunds: [],
      disputes: [],
      source: "test: webhook half an hour ago",
    },
  );
  return applied.payment!;
}

async function reload(db: Db, id: string): Promise<Payment> {
  const [p] = await db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

async function audits(db: Db, where?: ReturnType<typeof and>) {
  const rows = await db.select().from(auditLog).where(where);
  return rows;
}

async function auditTotal(db: Db): Promise<number> {
  const [row] = (await db.select({ n: sql<number>`count(*)::int` }).from(auditLog)) as { n: number }[];
  return Number(row?.n);
}

describe("reconcile(db): one pass against the providers", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let customer: Customer;
  let metadata: Record<string, string>;

  beforeEach(async () => {
    stripe.reset();
    yookassa.reset();
    resetBreakers();
    t = await freshDatabase();
    ({ ctx, customer } = await baseline(t.db));
    metadata = { paydesk_customer: customer.email, paydesk_plan: "premium" };
    vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  it("settles a payment stuck in processing whose intent succeeded at Stripe: extended once, audited as system:reconciler", async () => {
    const intent = stripe.putIntent({ status: "processing", amount_received: 0, metadata });
    const stuck = await recordStripe(t.db, intent);
    expect(stuck).toMatchObject({ status: "processing", providerStatus: "processing" });
    // A fresh one (changed a minute ago) is left alone.
    const fresh = await recordStripe(
      t.db,
      stripe.putIntent({ status: "processing", amount_received: 0, metadata }),
      60_000,
    );
    Object.assign(intent, { status: "succeeded", amount_received: 59_900 });

    const report = await reconcile(t.db);
    expect(report).toMatchObject({ dryRun: false, checked: 1, changed: 1, errors: 0 });
    expect(report.items[0]).toMatchObject({
      paymentId: stuck.id,
      provider: "stripe",
      providerPaymentId: intent.id,
      why: "open_payment",
      outcome: "changed",
    });
    const after = await reload(t.db, stuck.id);
    expect(after).toMatchObject({ status: "succeeded", amountMinor: 59_900n, providerStatus: "succeeded" });
    expect(after.providerSyncedAt).not.toBeNull();
    expect((await reload(t.db, fresh.id)).status).toBe("processing");

    const grants = await t.db
      .select()
      .from(subscriptionGrants)
      .where(eq(subscriptionGrants.paymentId, stuck.id));
    expect(grants).toHaveLength(1);
    expect(grants[0]!.revokedAt).toBeNull();
    const byReconciler = await audits(
      t.db,
      and(eq(auditLog.actorId, RECONCILER), eq(auditLog.entityId, stuck.id)),
    );
    expect(byReconciler.map((a) => a.action).sort()).toEqual(["payment.status_change", "payment.sync"]);
    expect(byReconciler.every((a) => a.via === "system")).toBe(true);
    const extended = await audits(t.db, eq(auditLog.action, "subscription.extend"));
    expect(extended).toHaveLength(1);
    expect(extended[0]!.actorId).toBe(RECONCILER);

    // The next pass has nothing to do.
    const again = await reconcile(t.db);
    expect(again).toMatchObject({ checked: 0, changed: 0 });
    expect(
      await t.db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, stuck.id)),
    ).toHaveLength(1);
  });

  it("a stuck payment the provider still has open is asked once, then left until the threshold passes again", async () => {
    const intent = stripe.putIntent({ status: "processing", amount_received: 0, metadata });
    const stuck = await recordStripe(t.db, intent);
    const first = await reconcile(t.db);
    expect(first.items).toEqual([expect.objectContaining({ paymentId: stuck.id, outcome: "unchanged" })]);
    expect((await reload(t.db, stuck.id)).version).toBe(stuck.version);
    expect(await reconcile(t.db)).toMatchObject({ checked: 0 });
    // Sixteen minutes later it is asked again.
    expect(await reconcile(t.db, { now: new Date(Date.now() + 16 * 60_000) })).toMatchObject({ checked: 1 });
  });

  it("settles a refund Stripe had answered pending", async () => {
    const intent = stripe.putIntent({ metadata });
    const payment = await recordStripe(t.db, intent);
    expect(payment.status).toBe("succeeded");
    stripe.nextRefundStatus = "pending";
    const refund = await refundPayment(
      { ...ctx, now: () => new Date(Date.now() - HALF_HOUR) },
      { paymentId: payment.id, reason: "Customer asked" },
    );
    expect(refund.outcome).toBe("pending");
    stripe.setRefundStatus(refund.refund.providerRefundId!, "succeeded");
    const posts = stripe.count("POST", "/v1/refunds");

    const report = await reconcile(t.db);
    expect(report.items).toEqual([
      expect.objectContaining({ paymentId: payment.id, why: "pending_refund", outcome: "changed" }),
    ]);
    expect(await reload(t.db, payment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    const [row] = await t.db.select().from(refunds).where(eq(refunds.id, refund.refund.id));
    expect(row).toMatchObject({ status: "succeeded" });
    expect(stripe.count("POST", "/v1/refunds")).toBe(posts);
    expect(stripe.refunds.size).toBe(1);
  });

  it("a dry run reports what it would change, changes nothing and sends nothing", async () => {
    // A Stripe payment stuck in processing that succeeded at Stripe…
    const intent = stripe.putIntent({ status: "processing", amount_received: 0, metadata });
    const stuck = await recordStripe(t.db, intent);
    Object.assign(intent, { status: "succeeded", amount_received: 59_900 });
    // …and a YooKassa refund whose answer was lost (it would be sent again with its key).
    const api = yookassa.putPayment({ status: "succeeded", metadata });
    const then = new Date(Date.now() - HALF_HOUR);
    const applied = await applyProviderState(
      { ...systemContext(t.db, "system:yookassa", "webhook"), now: () => then },
      yookassaState(await fetchYooKassaPayment(String(api.id)), [], then, "test"),
    );
    const ykPayment = applied.payment!;
    yookassa.fault = (req) => (req.method === "POST" ? "hang_after_accept" : null);
    const lost = await refundPayment(
      { ...ctx, now: () => then },
      { paymentId: ykPayment.id, reason: "Asked" },
    );
    expect(lost.outcome).toBe("pending");
    yookassa.fault = null;

    const state = async () => ({
      audits: await auditTotal(t.db),
      stripe: await reload(t.db, stuck.id),
      yookassa: await reload(t.db, ykPayment.id),
      refunds: await t.db.select().from(refunds),
      grants: await t.db.select().from(subscriptionGrants),
    });
    const before = await state();
    const stripePosts = stripe.requests.filter((r) => r.method === "POST").length;
    const ykPosts = yookassa.requests.filter((r) => r.method === "POST").length;

    const report = await reconcile(t.db, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, checked: 2, errors: 0 });
    const stripeItem = report.items.find((i) => i.paymentId === stuck.id);
    expect(stripeItem).toMatchObject({ why: "open_payment", outcome: "changed" });
    expect(stripeItem!.notes.join("\n")).toMatch(/processing → succeeded/);
    const ykItem = report.items.find((i) => i.paymentId === ykPayment.id);
    expect(ykItem!.why).toBe("pending_refund");
    expect(ykItem!.notes.join("\n")).toMatch(
      new RegExp(`Refund ${lost.refund.id} is unconfirmed: it would be sent again`),
    );

    expect(await state()).toEqual(before);
    expect(stripe.requests.filter((r) => r.method === "POST").length).toBe(stripePosts);
    expect(yookassa.requests.filter((r) => r.method === "POST").length).toBe(ykPosts);

    // The real pass then does it: the Stripe payment succeeds, the refund is sent again with its
    // key and YooKassa answers with the refund it made the first time.
    const real = await reconcile(t.db);
    expect(real).toMatchObject({ dryRun: false, checked: 2, errors: 0 });
    expect((await reload(t.db, stuck.id)).status).toBe("succeeded");
    expect(await reload(t.db, ykPayment.id)).toMatchObject({ status: "refunded", refundedMinor: 59_900n });
    expect(yookassa.refunds.size).toBe(1);
  });

  it("a provider outage leaves the item as an error and the payment unchanged", async () => {
    const intent = stripe.putIntent({ status: "processing", amount_received: 0, metadata });
    const stuck = await recordStripe(t.db, intent);
    Object.assign(intent, { status: "succeeded", amount_received: 59_900 });
    stripe.fault = () => "hang";
    const audited = await auditTotal(t.db);

    const report = await reconcile(t.db);
    expect(report).toMatchObject({ checked: 1, changed: 0, errors: 1 });
    expect(report.items[0]).toMatchObject({ paymentId: stuck.id, outcome: "error" });
    expect(report.items[0]!.notes.join(" ")).toMatch(/Stripe did not answer/);
    const after = await reload(t.db, stuck.id);
    expect(after).toMatchObject({ status: "processing", version: stuck.version, providerSyncedAt: null });
    expect(await auditTotal(t.db)).toBe(audited);
    // Still stuck: the next pass (once Stripe answers) settles it.
    stripe.fault = null;
    resetBreakers();
    expect(await reconcile(t.db)).toMatchObject({ checked: 1, changed: 1 });
  });
});

describe("the reconcile lease", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("an expired lease is taken over; the old holder can no longer record its run (fencing)", async () => {
    const t0 = new Date("2026-03-01T10:00:00Z");
    const a = await acquireLease(t.db, RECONCILE_JOB, "instance-a", 1_000, t0);
    expect(a).not.toBeNull();
    expect(
      await acquireLease(t.db, RECONCILE_JOB, "instance-b", 1_000, new Date(t0.getTime() + 500)),
    ).toBeNull();
    const b = await acquireLease(t.db, RECONCILE_JOB, "instance-b", 1_000, new Date(t0.getTime() + 1_500));
    expect(b).not.toBeNull();
    expect(b!.token).toBe(a!.token + 1);
    expect(await releaseLease(t.db, a!, { result: { checked: 99 } })).toBe(false);
    expect((await jobStatus(t.db, RECONCILE_JOB))?.lastResult).toBeNull();
    expect(await releaseLease(t.db, b!, { result: { checked: 1 } })).toBe(true);
    expect(await jobStatus(t.db, RECONCILE_JOB)).toMatchObject({
      holder: "instance-b",
      leaseUntil: null,
      lastResult: { checked: 1 },
      fencingToken: b!.token,
    });
  });

  it.runIf(backend === "postgres")(
    "two connection pools racing for it: exactly one wins, every time",
    async () => {
      const other = await openDatabase({ url: t.url!, max: 4 });
      try {
        for (let round = 0; round < 20; round++) {
          const got = await Promise.all([
            acquireLease(t.db, RECONCILE_JOB, `pool-a-${round}`, 60_000),
            acquireLease(other.db, RECONCILE_JOB, `pool-b-${round}`, 60_000),
          ]);
          const winners = got.filter((l) => l !== null);
          expect(winners, `round ${round}`).toHaveLength(1);
          expect(await releaseLease(round % 2 ? other.db : t.db, winners[0]!, {})).toBe(true);
        }
      } finally {
        await other.close();
      }
    },
  );
});

// ---------------------------------------------------------------------------------------
// Several processes (PostgreSQL only: the embedded database admits one process).

interface Line {
  holder: string;
  pid: number;
  at: number;
  event: string;
  [k: string]: unknown;
}

interface Worker {
  child: ChildProcess;
  lines: Line[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(event: string, timeoutMs?: number): Promise<Line>;
  stderr: () => string;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  const waiters: { event: string; resolve: (l: Line) => void }[] = [];
  let buffer = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const w of waiters.filter((x) => x.event === line.event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    waitFor(event, timeoutMs = 20_000) {
      const seen = lines.find((l) => l.event === event);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker never said ${event}: ${err}`)), timeoutMs);
        waiters.push({
          event,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

/** Forwards to `target`, each request held `delayMs` first: a slow provider. */
async function slowProxy(target: string, delayMs: number) {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const upstream = http.request(
          `${target}${req.url ?? "/"}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on("error", () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      }, delayMs);
    });
    req.on("error", () => {});
    res.on("error", () => {});
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.runIf(backend === "postgres")("several processes on PostgreSQL", () => {
  let t: TestDatabase;
  let metadata: Record<string, string>;
  const workers: Worker[] = [];

  beforeEach(async () => {
    stripe.reset();
    resetBreakers();
    t = await freshDatabase();
    const { customer } = await baseline(t.db);
    metadata = { paydesk_customer: customer.email, paydesk_plan: "premium" };
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
      await w.exited;
    }
    await t.close();
  });

  const workerEnv = (apiBase: string, extra: Record<string, string>) => ({
    DATABASE_URL: t.url!,
    STRIPE_SECRET_KEY: "sk_test_paydesk_stand_in",
    STRIPE_API_BASE: apiBase,
    STRIPE_TIMEOUT_MS: "20000",
    RECONCILE_INTERVAL_MS: "0",
    ...extra,
  });

  it("three instances running runReconcileJob in a loop: runs never overlap, each stuck payment is synced once", async () => {
    const stuck: Payment[] = [];
    for (let i = 0; i < 4; i++) {
      const intent = stripe.putIntent({ status: "processing", amount_received: 0, metadata });
      stuck.push(await recordStripe(t.db, intent));
      Object.assign(intent, { status: "succeeded", amount_received: 59_900 });
    }
    const proxy = await slowProxy(stripe.url, 60);
    try {
      const startAt = String(Date.now() + 2_500);
      for (const name of ["one", "two", "three"]) {
        workers.push(
          startWorker(
            workerEnv(proxy.url, {
              WORKER_MODE: "job",
              WORKER_HOLDER: `instance-${name}`,
              WORKER_DURATION_MS: "2000",
              WORKER_START_AT: startAt,
            }),
          ),
        );
      }
      const exits = await Promise.all(workers.map((w) => w.exited));
      for (const [i, e] of exits.entries())
        expect(e, workers[i]!.stderr()).toEqual({ code: 0, signal: null });
    } finally {
      await proxy.close();
    }

    const all = workers.flatMap((w) => w.lines);
    const runs = all.filter((l) => l.event === "run").sort((a, b) => Number(a.start) - Number(b.start));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // Contention happened: some call found the lease taken.
    expect(all.filter((l) => l.event === "busy").length).toBeGreaterThan(0);
    expect(new Set(runs.map((r) => r.holder)).size).toBeGreaterThanOrEqual(2);
    // No two runs overlapped. Each window is measured around runReconcileJob, so it also
    // holds one acquiring (or releasing) round trip: a few milliseconds of slack.
    for (let i = 1; i < runs.length; i++) {
      const prev = runs[i - 1]!;
      const next = runs[i]!;
      expect(
        Number(next.start),
        `${prev.holder} ${prev.start}–${prev.end} / ${next.holder} ${next.start}–${next.end}`,
      ).toBeGreaterThanOrEqual(Number(prev.end) - 25);
    }
    // Every stuck payment synced exactly once, by one run.
    const synced = runs.flatMap((r) => r.items as { paymentId: string; outcome: string }[]);
    expect(synced.map((s) => s.paymentId).sort()).toEqual(stuck.map((p) => p.id).sort());
    expect(synced.every((s) => s.outcome === "changed")).toBe(true);
    for (const p of stuck) {
      const syncs = await audits(t.db, and(eq(auditLog.action, "payment.sync"), eq(auditLog.entityId, p.id)));
      expect(syncs).toHaveLength(1);
      expect((await reload(t.db, p.id)).status).toBe("succeeded");
      expect(
        await t.db.select().from(subscriptionGrants).where(eq(subscriptionGrants.paymentId, p.id)),
      ).toHaveLength(1);
    }
    expect(stripe.count("GET", `/v1/payment_intents/${stuck[0]!.providerPaymentId}`)).toBe(1);
  });

  it("kill -9 of the holder: another instance takes the lease over once its TTL has run out", async () => {
    // One stuck payment, asked through a provider so slow that the holder is still at it when killed.
    const intent = stripe.putIntent({ status: "processing", amount_received: 0, metadata });
    await recordStripe(t.db, intent);
    const proxy = await slowProxy(stripe.url, 10_000);
    try {
      const ttl = 4_000;
      const a = startWorker(
        workerEnv(proxy.url, {
          WORKER_MODE: "lease",
          WORKER_HOLDER: "instance-a",
          WORKER_TTL_MS: String(ttl),
          WORKER_DURATION_MS: "10000",
        }),
      );
      workers.push(a);
      const held = await a.waitFor("acquired");
      // Still working (its provider call is pending at the proxy): killed without a chance to release.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(a.lines.some((l) => l.event === "released")).toBe(false);
      a.child.kill("SIGKILL");
      expect(await a.exited).toEqual({ code: null, signal: "SIGKILL" });
      const status = await jobStatus(t.db, RECONCILE_JOB);
      expect(status).toMatchObject({ holder: "instance-a", fencingToken: held.token });

      const b = startWorker(
        workerEnv(stripe.url, {
          WORKER_MODE: "lease",
          WORKER_HOLDER: "instance-b",
          WORKER_TTL_MS: String(ttl),
          WORKER_DURATION_MS: "15000",
        }),
      );
      workers.push(b);
      const taken = await b.waitFor("acquired", 25_000);
      const released = await b.waitFor("released", 25_000);
      expect(await b.exited).toEqual({ code: 0, signal: null });

      // It was refused while A's lease ran, and got it only after A's lease had expired.
      expect(b.lines.filter((l) => l.event === "refused").length).toBeGreaterThan(0);
      expect(taken.at).toBeGreaterThanOrEqual(Number(held.until));
      expect(taken.token).toBe(Number(held.token) + 1);
      expect(released).toMatchObject({ ok: true, checked: 1 });
      expect(await jobStatus(t.db, RECONCILE_JOB)).toMatchObject({
        holder: "instance-b",
        leaseUntil: null,
        fencingToken: Number(held.token) + 1,
        lastResult: { checked: 1 },
      });
    } finally {
      await proxy.close();
    }
  });
});
