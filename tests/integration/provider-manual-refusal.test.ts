import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  changeStatusAction,
  providerAction,
  reviewDecisionAction,
  syncPaymentAction,
} from "@/app/(admin)/payments/actions";
import { type Db, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { auditLog, type Payment, payments } from "@/db/schema";
import type { PaymentStatus, StaffRole } from "@/db/schema/enums";
import { type Actor, type ServiceContext, systemContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { applyProviderState } from "@/lib/payments/apply-provider-state";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { actThroughProvider } from "@/lib/payments/provider-action";
import { decideReview } from "@/lib/payments/review-decision";
import { syncPayment } from "@/lib/payments/sync";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { resetBreakers } from "@/lib/providers/breaker";
import { paymentIntentObject } from "@/lib/providers/stripe/event";
import { intentTarget } from "@/lib/providers/stripe/target";
import type { ProviderState } from "@/lib/providers/target";
import { fetchYooKassaPayment } from "@/lib/providers/yookassa/api";
import { yookassaState } from "@/lib/providers/yookassa/target";
import { resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { CLI_ARGS, CLI_COMMAND } from "../support/cli";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor, insertStaff } from "../support/fixtures";
import { refusal } from "../support/refusal";
import { type Json, type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";
import {
  startYooKassaApiStandIn,
  YOOKASSA_TEST_SECRET_KEY,
  YOOKASSA_TEST_SHOP_ID,
  type YooKassaApiStandIn,
} from "../support/yookassa-api";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

/**
 * docs/providers.md "No hand-set status": `changePaymentStatus` refuses every provider payment,
 * whoever asks and however (service verb, web action, CLI); the provider verbs are admin-only.
 */

const STATUSES: PaymentStatus[] = ["pending", "processing", "succeeded", "failed", "canceled"];
const ADMIN_EMAIL = "admin@paydesk.test";
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

let stripe: StripeApiStandIn;
let yookassa: YooKassaApiStandIn;

beforeAll(async () => {
  stripe = await startStripeApiStandIn();
  yookassa = await startYooKassaApiStandIn();
  vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
  vi.stubEnv("STRIPE_API_BASE", stripe.url);
  vi.stubEnv("STRIPE_TIMEOUT_MS", "2000");
  vi.stubEnv("YOOKASSA_SHOP_ID", YOOKASSA_TEST_SHOP_ID);
  vi.stubEnv("YOOKASSA_SECRET_KEY", YOOKASSA_TEST_SECRET_KEY);
  vi.stubEnv("YOOKASSA_API_BASE", yookassa.url);
  vi.stubEnv("YOOKASSA_API_TIMEOUT_MS", "2000");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await stripe.close();
  await yookassa.close();
});

interface Seeded {
  admin: { id: string };
  adminCtx: ServiceContext;
  /** A provider payment per provider and status it can be in. */
  provider: { label: string; payment: Payment }[];
  stripeIntents: Map<string, Json>;
}

function staffActor(user: { id: string; email: string; name: string }, role: StaffRole): Actor {
  return { type: "staff", id: user.id, email: user.email, name: user.name, role };
}

/**
 * Plans, an admin, a customer and four provider payments (Stripe pending and succeeded,
 * YooKassa processing and succeeded), recorded the way Paydesk records them: from the
 * provider's state, through applyProviderState.
 */
async function seed(db: Db): Promise<Seeded> {
  await ensurePlans(db);
  const admin = await insertStaff(db, "admin", ADMIN_EMAIL);
  const adminCtx = ctxFor(db, staffActor(admin, "admin"));
  const customer = await createCustomer(adminCtx, { email: `anna-${Date.now()}@example.com`, name: "Anna" });
  const system = systemContext(db, "system:stripe", "webhook");
  const metadata = { paydesk_customer: customer.email, paydesk_plan: "premium" };
  const provider: Seeded["provider"] = [];
  const stripeIntents = new Map<string, Json>();

  for (const status of ["requires_action", "succeeded"] as const) {
    const intent = stripe.putIntent({
      status,
      metadata,
      amount_received: status === "succeeded" ? 59_900 : 0,
    });
    stripeIntents.set(String(intent.id), intent);
    const target = intentTarget(paymentIntentObject.parse(intent));
    if (!target.ok) throw new Error(target.reason);
    const state: ProviderState = {
      provider: "stripe",
      providerPaymentId: String(intent.id),
      observedAt: new Date(),
      payment: target.value,
      refunds: [],
      disputes: [],
      source: "test seed",
    };
    const applied = await applyProviderState(system, state);
    provider.push({ label: `Stripe ${applied.payment!.status}`, payment: applied.payment! });
  }
  for (const status of ["waiting_for_capture", "succeeded"] as const) {
    const api = yookassa.putPayment({ status, metadata });
    const fetched = await fetchYooKassaPayment(String(api.id));
    const applied = await applyProviderState(
      systemContext(db, "system:yookassa", "webhook"),
      yookassaState(fetched, [], new Date(), "test seed"),
    );
    provider.push({ label: `YooKassa ${applied.payment!.status}`, payment: applied.payment! });
  }
  expect(provider.map((p) => p.label)).toEqual([
    "Stripe pending",
    "Stripe succeeded",
    "YooKassa processing",
    "YooKassa succeeded",
  ]);
  return { admin, adminCtx, provider, stripeIntents };
}

async function footprint(db: Db, paymentId: string) {
  const [p] = await db.select().from(payments).where(eq(payments.id, paymentId));
  const [{ n } = { n: 0 }] = (await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(eq(auditLog.entityId, paymentId))) as { n: number }[];
  return { status: p!.status, version: p!.version, updatedAt: p!.updatedAt.getTime(), audits: Number(n) };
}

async function totalAudits(db: Db) {
  const [{ n } = { n: 0 }] = (await db.select({ n: sql<number>`count(*)::int` }).from(auditLog)) as {
    n: number;
  }[];
  return Number(n);
}

describe("no hand-set status: the service verb and the web action", () => {
  let t: TestDatabase;
  let s: Seeded;

  beforeAll(async () => {
    stripe.reset();
    yookassa.reset();
    t = await freshDatabase();
    s = await seed(t.db);
    useActionDb(t.db);
  });
  afterAll(async () => {
    resetActionSession();
    await t.close();
  });

  it("changePaymentStatus refuses every provider payment and every status, for an admin and a system actor", async () => {
    const audits = await totalAudits(t.db);
    for (const { label, payment } of s.provider) {
      const before = await footprint(t.db, payment.id);
      for (const status of STATUSES) {
        for (const ctx of [s.adminCtx, systemContext(t.db, "system:reconciler")]) {
          const err = await refusal(
            changePaymentStatus(ctx, { paymentId: payment.id, status, reason: "by hand" }),
          );
          expect(err.code, `${label} → ${status}`).toBe("invalid_transition");
          const name = label.split(" ")[0];
          expect(err.message).toBe(
            `The status of a ${name} payment follows ${name}: sync it from ${name}, or capture or cancel it through ${name}, instead of setting it by hand`,
          );
        }
      }
      expect(await footprint(t.db, payment.id), label).toEqual(before);
    }
    expect(await totalAudits(t.db)).toBe(audits);
  });

  it("changeStatusAction (signed in as admin) answers each as a refusal and writes nothing", async () => {
    signInAs(s.admin.id);
    const audits = await totalAudits(t.db);
    for (const { label, payment } of s.provider) {
      const before = await footprint(t.db, payment.id);
      for (const status of STATUSES) {
        const result = await changeStatusAction({ paymentId: payment.id, status, reason: "by hand" });
        expect(result, `${label} → ${status}`).toMatchObject({
          ok: false,
          code: "invalid_transition",
          message: expect.stringMatching(/follows (Stripe|YooKassa).*instead of setting it by hand/),
        });
      }
      expect(await footprint(t.db, payment.id), label).toEqual(before);
    }
    expect(await totalAudits(t.db)).toBe(audits);
  });
});

describe("no hand-set status: the CLI (`payments status`)", () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let pg: TestDatabase | null = null;
  let s: Seeded;
  let dataDir = "";

  /** The database the CLI uses, opened in this process only while no CLI runs (the embedded one is locked). */
  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (pg) return fn(pg.db);
    const handle = await openDatabase({ dataDir });
    try {
      return await fn(handle.db);
    } finally {
      await handle.close();
    }
  }

  beforeAll(async () => {
    stripe.reset();
    yookassa.reset();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paydesk-refusal-"));
    dataDir = path.join(tmp, "data");
    env = { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir, SEED_DEMO: "" };
    if (backend === "postgres") {
      pg = await freshDatabase({ max: 4 });
      env.DATABASE_URL = pg.url;
    } else {
      const handle = await openDatabase({ dataDir });
      await migrateDatabase(handle);
      await handle.close();
    }
    s = await withDb((db) => seed(db));
  });
  afterAll(async () => {
    await pg?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    try {
      const { stdout, stderr } = await run(CLI_COMMAND, [...CLI_ARGS, ...args], {
        cwd: ROOT,
        env,
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === "number" ? e.code : -1,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
      };
    }
  }

  it("refuses each status, alternating a Stripe and a YooKassa payment (exit 5), writing nothing", async () => {
    // Each CLI run is a process of its own (seconds): every status once, the two providers in
    // turn. The service verb and the web action above take the whole matrix.
    const chosen = [s.provider[0]!, s.provider[2]!]; // Stripe pending, YooKassa processing
    const calls = STATUSES.map((status, i) => {
      const { label, payment } = chosen[i % 2]!;
      return {
        label: `${label} → ${status}`,
        args: ["payments", "status", payment.id, status, "--reason", "by hand", "--actor", ADMIN_EMAIL],
      };
    });
    const before = await withDb(async (db) => ({
      audits: await totalAudits(db),
      each: await Promise.all(chosen.map((p) => footprint(db, p.payment.id))),
    }));
    // PostgreSQL takes them all at once; the embedded database admits one process at a time.
    const results = pg
      ? await Promise.all(calls.map((c) => cli(c.args)))
      : await calls.reduce<Promise<Awaited<ReturnType<typeof cli>>[]>>(
          async (acc, c) => [...(await acc), await cli(c.args)],
          Promise.resolve([]),
        );
    results.forEach((r, i) => {
      expect(r.code, `${calls[i]!.label}: ${r.stderr}`).toBe(5);
      expect(r.stderr).toMatch(/^error: The status of a (Stripe|YooKassa) payment follows/);
      expect(r.stdout).toBe("");
    });
    const after = await withDb(async (db) => ({
      audits: await totalAudits(db),
      each: await Promise.all(chosen.map((p) => footprint(db, p.payment.id))),
    }));
    expect(after).toEqual(before);
  });
});

describe("provider verbs are the admin's: sync, capture/cancel through the provider, review decisions", () => {
  let t: TestDatabase;
  let s: Seeded;
  let users: Record<StaffRole, { id: string; email: string; name: string }>;

  beforeEach(async () => {
    stripe.reset();
    yookassa.reset();
    resetBreakers();
    t = await freshDatabase();
    s = await seed(t.db);
    users = {
      admin: { ...s.admin, email: ADMIN_EMAIL, name: "Test admin" },
      support: await insertStaff(t.db, "support"),
      auditor: await insertStaff(t.db, "auditor"),
    };
    useActionDb(t.db);
  });
  afterEach(async () => {
    resetActionSession();
    await t.close();
  });

  /** A Stripe payment authorised and waiting for capture, and one captured for less than the plan (held for review). */
  async function moreStripePayments() {
    const metadata = { paydesk_customer: "", paydesk_plan: "premium" };
    const [existing] = await t.db.select().from(payments).where(eq(payments.id, s.provider[0]!.payment.id));
    const customerEmail = String((existing!.metadata as Record<string, string>).paydesk_customer);
    metadata.paydesk_customer = customerEmail;
    const system = systemContext(t.db, "system:stripe", "webhook");
    const record = async (intent: Json) => {
      const target = intentTarget(paymentIntentObject.parse(intent));
      if (!target.ok) throw new Error(target.reason);
      const applied = await applyProviderState(system, {
        provider: "stripe",
        providerPaymentId: String(intent.id),
        observedAt: new Date(),
        payment: target.value,
        refunds: [],
        disputes: [],
        source: "test seed",
      });
      return applied.payment!;
    };
    const authorised = await record(
      stripe.putIntent({
        status: "requires_capture",
        amount_received: 0,
        amount_capturable: 59_900,
        metadata,
      }),
    );
    const short = await record(stripe.putIntent({ status: "succeeded", amount_received: 40_000, metadata }));
    expect(authorised).toMatchObject({ status: "processing", providerStatus: "requires_capture" });
    expect(short.reviewReason).toMatch(/below plan Premium/);
    return { authorised, short };
  }

  it("support and auditor are refused (forbidden) by each verb and its action; nothing is sent or written", async () => {
    const { authorised, short } = await moreStripePayments();
    const target = s.provider[1]!.payment; // Stripe succeeded
    const watched = [target, authorised, short];
    const before = await Promise.all(watched.map((p) => footprint(t.db, p.id)));
    const audits = await totalAudits(t.db);
    const requests = stripe.requests.length;
    for (const role of ["support", "auditor"] as const) {
      const ctx = ctxFor(t.db, staffActor(users[role], role), { via: "web" });
      const calls: [string, Promise<unknown>][] = [
        ["syncPayment", syncPayment(ctx, { paymentId: target.id })],
        [
          "actThroughProvider capture",
          actThroughProvider(ctx, { paymentId: authorised.id, action: "capture", reason: "capture it" }),
        ],
        [
          "actThroughProvider cancel",
          actThroughProvider(ctx, { paymentId: authorised.id, action: "cancel", reason: "cancel it" }),
        ],
        [
          "decideReview",
          decideReview(ctx, { paymentId: short.id, decision: "grant", reason: "grant anyway" }),
        ],
      ];
      for (const [name, call] of calls) {
        const err = await refusal(call);
        expect(err.code, `${role}: ${name}`).toBe("forbidden");
      }
      signInAs(users[role].id);
      const actions = [
        await syncPaymentAction({ paymentId: target.id }),
        await providerAction({ paymentId: authorised.id, action: "capture", reason: "capture it" }),
        await reviewDecisionAction({ paymentId: short.id, decision: "grant", reason: "grant anyway" }),
      ];
      for (const result of actions) expect(result, role).toMatchObject({ ok: false, code: "forbidden" });
    }
    expect(stripe.requests.length).toBe(requests);
    expect(await Promise.all(watched.map((p) => footprint(t.db, p.id)))).toEqual(before);
    expect(await totalAudits(t.db)).toBe(audits);
  });

  it("an admin may: sync, capture through Stripe, decide a review; a system actor may sync", async () => {
    const { authorised, short } = await moreStripePayments();
    const adminCtx = ctxFor(t.db, staffActor(users.admin, "admin"), { via: "web" });

    // Sync (the intent moved on at Stripe: it succeeded).
    const pending = s.provider[0]!.payment;
    const intent = s.stripeIntents.get(pending.providerPaymentId!)!;
    Object.assign(intent, { status: "succeeded", amount_received: 59_900 });
    const synced = await syncPayment(adminCtx, { paymentId: pending.id, reason: "check" });
    expect(synced.payment).toMatchObject({ status: "succeeded", providerStatus: "succeeded" });
    expect(synced.changed).toBe(true);

    // A system actor (the reconciler) syncs too.
    const yk = s.provider[2]!.payment;
    const api = yookassa.payments.get(yk.providerPaymentId!)!;
    Object.assign(api, { status: "succeeded", paid: true });
    const bySystem = await syncPayment(systemContext(t.db, "system:reconciler"), { paymentId: yk.id });
    expect(bySystem.payment).toMatchObject({ status: "succeeded", providerStatus: "succeeded" });
    const [audit] = await t.db.select().from(auditLog).where(eq(auditLog.action, "payment.sync"));
    expect(audit).toBeDefined();

    // Capture through Stripe: Paydesk follows Stripe's answer.
    const captured = await actThroughProvider(adminCtx, {
      paymentId: authorised.id,
      action: "capture",
      reason: "customer confirmed",
    });
    expect(captured.payment).toMatchObject({ status: "succeeded", amountMinor: 59_900n });
    expect(stripe.count("POST", `/v1/payment_intents/${authorised.providerPaymentId}/capture`)).toBe(1);

    // The review decision: granted anyway.
    const decided = await decideReview(adminCtx, {
      paymentId: short.id,
      decision: "grant",
      reason: "loyal customer",
    });
    expect(decided.payment.reviewReason).toBeNull();
    expect(decided.subscription).not.toBeNull();

    // And the web actions let an admin through as well (nothing left to do, but allowed).
    signInAs(users.admin.id);
    expect(await syncPaymentAction({ paymentId: pending.id })).toMatchObject({ ok: true });
  });
});
