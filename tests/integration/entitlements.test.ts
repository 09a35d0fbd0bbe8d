import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/v1/customers/[ref]/entitlements/route";
import { type Customer, subscriptions } from "@/db/schema";
import { customerEntitlementsSchema } from "@/lib/api/schemas";
import { createApiKey } from "@/lib/api-keys/create";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { getCustomerProfile } from "@/lib/customers/profile";
import { entitlementsOf, withEntitlements } from "@/lib/entitlements/compute";
import { createPayment } from "@/lib/payments/create";
import { resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

const DAY = 86_400_000;

describe("GET /api/v1/customers/{ref}/entitlements", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let clock: Clock;
  let key: string;
  let anna: Customer;
  let boris: Customer;
  /** The real time the ledger is built around: the route handler reads the real clock. */
  let realNow: number;

  async function call(ref: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) {
    // The handler reads the decoded parameter; the URL is only for show (a lone surrogate has no URL form).
    const path = ref.isWellFormed() ? encodeURIComponent(ref) : "_";
    const res = await GET(
      new Request(`http://paydesk.test/api/v1/customers/${path}/entitlements`, { headers }),
      { params: Promise.resolve({ ref }) },
    );
    const text = await res.text();
    return { res, status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  function pay(customer: Customer, plan: string, extra: { trial?: boolean } = {}) {
    return createPayment(ctx, {
      customer: customer.id,
      plan,
      kind: extra.trial ? "trial" : "manual",
      amount: extra.trial ? "0" : plan === "basic" ? "299.00" : plan === "premium" ? "599.00" : "899.00",
      currency: "RUB",
      status: "succeeded",
      reason: "entitlements test",
    });
  }

  beforeEach(async () => {
    realNow = Date.now();
    t = await freshDatabase();
    // Half a day off the real clock's grid, so no period ends within the test's milliseconds.
    clock = clockAt(new Date(realNow - 40 * DAY - DAY / 2));
    const base = await baseline(t.db, clock);
    ctx = base.ctx;
    anna = await createCustomer(ctx, {
      email: "Anna.K@Example.com",
      name: "Anna K",
      externalRef: "CRM-1001",
    });
    boris = await createCustomer(ctx, { email: "boris@example.com", name: "Boris" });
    key = (await createApiKey(ctx, { name: "Product" })).key;
    useActionDb(t.db);
  });
  afterEach(async () => {
    resetActionSession();
    await t.close();
  });

  it("answers the customer and one entitlement per subscription, as the schema says", async () => {
    await pay(anna, "premium"); // 30 days from 40.5 days ago: ended 10.5 days ago
    clock.advanceDays(39); // 1.5 days ago
    await pay(anna, "basic", { trial: true }); // 7-day trial: 5.5 days left
    await pay(anna, "family"); // 30 days: 28.5 days left
    // The scheduler has not run: premium is still stored `active`.
    const stored = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, anna.id));
    expect(
      stored.find((s) => s.status === "active" && s.currentPeriodEnd.getTime() < Date.now()),
    ).toBeDefined();

    const answer = await call(anna.id);
    expect(answer.status).toBe(200);
    expect(answer.res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.res.headers.get("cache-control")).toBe("no-store");
    const body = customerEntitlementsSchema.parse(answer.body);
    expect(body.customer).toEqual({ id: anna.id, externalRef: "CRM-1001" });
    const at = (days: number) => new Date(realNow - 40 * DAY - DAY / 2 + days * DAY).toISOString();
    expect(body.entitlements).toEqual([
      { plan: "basic", status: "trialing", validUntil: at(39 + 7), trial: true },
      { plan: "family", status: "active", validUntil: at(39 + 30), trial: false },
      // Expired on read, before the scheduler writes it.
      { plan: "premium", status: "expired", validUntil: at(30), trial: false },
    ]);
    // Exactly the fields of the contract, nothing more.
    expect(Object.keys(answer.body).sort()).toEqual(["customer", "entitlements"]);
  });

  it("equals what the customer page shows for the same customer", async () => {
    await pay(anna, "premium");
    clock.advanceDays(39);
    await pay(anna, "basic", { trial: true });

    const answer = await call(anna.email);
    const now = new Date();
    // What app/(admin)/customers/[id]/page.tsx renders: the profile through withEntitlements.
    const profile = await getCustomerProfile(t.db, anna.id, now);
    const shown = withEntitlements(profile!.subscriptions, now).map((s) => ({
      plan: s.plan.code,
      status: s.status,
      validUntil: s.currentPeriodEnd.toISOString(),
      trial: s.status === "trialing",
    }));
    expect(answer.body.entitlements).toEqual(shown);
    expect(entitlementsOf(profile!.subscriptions, now).map((e) => e.status)).toEqual(
      shown.map((s) => s.status),
    );
  });

  it("finds the customer by id, by email in any case, and by external reference", async () => {
    await pay(anna, "premium");
    for (const ref of [
      anna.id,
      anna.id.toUpperCase(),
      "anna.k@example.com",
      "ANNA.K@EXAMPLE.COM",
      "CRM-1001",
    ]) {
      const answer = await call(ref);
      expect(answer.status, ref).toBe(200);
      expect(answer.body.customer, ref).toEqual({ id: anna.id, externalRef: "CRM-1001" });
    }
    // The external reference is the product's own id: matched exactly.
    expect((await call("crm-1001")).status).toBe(404);
    const noSubs = await call(boris.id);
    expect(noSubs.body).toEqual({ customer: { id: boris.id, externalRef: null }, entitlements: [] });
  });

  it("tries a uuid or an email that names no customer as an external reference", async () => {
    const uuidRef = crypto.randomUUID();
    const withUuidRef = await createCustomer(ctx, {
      email: "uuid-ref@example.com",
      name: "Uuid Ref",
      externalRef: uuidRef,
    });
    const withEmailRef = await createCustomer(ctx, {
      email: "email-ref@example.com",
      name: "Email Ref",
      externalRef: "user@accounts.internal",
    });
    expect((await call(uuidRef)).body.customer).toEqual({ id: withUuidRef.id, externalRef: uuidRef });
    expect((await call("user@accounts.internal")).body.customer).toEqual({
      id: withEmailRef.id,
      externalRef: "user@accounts.internal",
    });
    // A customer's own id wins over another customer's external reference that equals it.
    const shadow = await createCustomer(ctx, {
      email: "shadow@example.com",
      name: "Shadow",
      externalRef: anna.id,
    });
    expect((await call(anna.id)).body.customer).toMatchObject({ id: anna.id });
    expect(shadow.externalRef).toBe(anna.id);
  });

  it("answers 404 problem+json for a customer nobody has", async () => {
    for (const ref of [crypto.randomUUID(), "nobody@example.com", "CRM-404", "x".repeat(254)]) {
      const answer = await call(ref);
      expect(answer.status, ref).toBe(404);
      expect(answer.res.headers.get("content-type")).toBe("application/problem+json");
      expect(answer.res.headers.get("cache-control")).toBe("no-store");
      expect(answer.body).toMatchObject({ type: "about:blank", title: "Not Found", status: 404 });
    }
  });

  it("answers 400 problem+json for a reference no customer could have, never 500", async () => {
    for (const ref of [
      "",
      "x".repeat(255),
      "a\u0000b",
      "line\nbreak",
      "tab\there",
      "\u007f",
      "bad\ud800half",
    ]) {
      const answer = await call(ref);
      expect(answer.status, JSON.stringify(ref)).toBe(400);
      expect(answer.res.headers.get("content-type")).toBe("application/problem+json");
      expect(answer.body).toMatchObject({ type: "about:blank", title: "Bad Request", status: 400 });
      expect(typeof answer.body.detail).toBe("string");
    }
    // Odd but printable text is a reference like any other: looked up, not found.
    for (const ref of ["' or 1=1 --", "%", "../../etc/passwd", "😀@example.com", " padded "]) {
      expect((await call(ref)).status, ref).toBe(404);
    }
  });
});
