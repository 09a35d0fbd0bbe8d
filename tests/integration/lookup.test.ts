import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { lookupAction } from "@/app/actions/lookup";
import { customers, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import type { SessionActor } from "@/lib/auth/session";
import { type ServiceContext, systemContext } from "@/lib/context";
import { ServiceError } from "@/lib/errors";
import { LOOKUP_MATCH_LIMIT, resolveLookup } from "@/lib/lookup/resolve";
import { createPayment, recordProviderPayment } from "@/lib/payments/create";
import { actAs, resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { baseline, ctxFor, insertStaff } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

describe("command palette lookup", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let anna: { id: string; email: string; name: string };
  let payment: { id: string };
  let stripePayment: { id: string };
  let support: { id: string };

  beforeAll(async () => {
    t = await freshDatabase();
    const base = await baseline(t.db);
    ctx = base.ctx;
    anna = base.customer;
    await t.db
      .insert(customers)
      .values([
        { email: "joanna@example.com", name: "Joanna Brown" },
        { email: "bob@example.com", name: "Robert Annan" },
        { email: "under_score@example.com", name: "Under Score" },
        { email: "underXscore@example.com", name: "Under X" },
        ...Array.from({ length: 12 }, (_, i) => ({ email: `many${i}@bulk.test`, name: `Many ${i}` })),
      ]);
    payment = (
      await createPayment(ctx, {
        customer: anna.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        status: "succeeded",
        reason: "bank transfer received",
      })
    ).payment;
    stripePayment = (
      await recordProviderPayment(systemContext(t.db, "system:stripe", "webhook"), {
        provider: "stripe",
        providerPaymentId: "pi_3PaydeskLookup01",
        customer: "bob@example.com",
        plan: "basic",
        amountMinor: 29_900n,
        currency: "RUB",
        status: "succeeded",
      })
    ).payment;
    support = await insertStaff(t.db, "support", "support@paydesk.test");
    useActionDb(t.db);
  });
  afterAll(async () => {
    resetActionSession();
    await t?.close();
  });

  const lookup = (q: string) => resolveLookup(ctx, { q });

  it("opens a payment by its id, in any case, with what the palette shows of it", async () => {
    const expected = {
      kind: "payment",
      href: `/payments/${payment.id}`,
      payment: {
        id: payment.id,
        amountMinor: 59_900n,
        currency: "RUB",
        status: "succeeded",
        customerEmail: "anna@example.com",
        customerName: "Anna Petrova",
      },
    };
    expect(await lookup(payment.id)).toEqual(expected);
    expect(await lookup(`  ${payment.id.toUpperCase()}\n`)).toEqual(expected);
    // A link to the payment, pasted from the address bar.
    expect(await lookup(`http://localhost:3000/payments/${payment.id}?tab=timeline`)).toEqual(expected);
  });

  it("opens a payment by the provider's payment id", async () => {
    expect(await lookup("pi_3PaydeskLookup01")).toMatchObject({
      kind: "payment",
      href: `/payments/${stripePayment.id}`,
      payment: { customerEmail: "bob@example.com" },
    });
    // Exact only: a fragment of it names nothing.
    expect(await lookup("pi_3Paydesk")).toEqual({ kind: "matches", customers: [] });
  });

  it("opens a customer by id or by exact email, any case", async () => {
    const expected = {
      kind: "customer",
      href: `/customers/${anna.id}`,
      customer: { id: anna.id, email: "anna@example.com", name: "Anna Petrova" },
    };
    expect(await lookup(anna.id)).toEqual(expected);
    expect(await lookup(anna.id.toUpperCase())).toEqual(expected);
    expect(await lookup(" ANNA@Example.com ")).toEqual(expected);
    expect(await lookup(`https://paydesk.example/customers/${anna.id}`)).toEqual(expected);
  });

  it("lists the customers a fragment of an email or name matches", async () => {
    const result = await lookup("ANNA");
    expect(result.kind).toBe("matches");
    const emails = result.kind === "matches" ? result.customers.map((c) => c.email) : [];
    // searchCustomers' order: prefix matches first, then the others by email.
    expect(emails).toEqual(["anna@example.com", "bob@example.com", "joanna@example.com"]);
    // An incomplete email is a fragment too.
    expect(await lookup("joanna@exa")).toEqual({
      kind: "matches",
      customers: [expect.objectContaining({ email: "joanna@example.com" })],
    });
    const many = await lookup("bulk.test");
    expect(many.kind === "matches" && many.customers.length).toBe(LOOKUP_MATCH_LIMIT);
  });

  it("takes LIKE wildcards literally", async () => {
    expect(await lookup("r_s")).toEqual({
      kind: "matches",
      customers: [expect.objectContaining({ email: "under_score@example.com" })],
    });
    expect(await lookup("%%")).toEqual({ kind: "matches", customers: [] });
  });

  it("finds nothing for junk, unknown ids and too little text", async () => {
    const none = { kind: "matches", customers: [] };
    expect(await lookup("00000000-0000-4000-8000-000000000000")).toEqual(none);
    expect(await lookup("nobody@nowhere.test")).toEqual(none);
    expect(await lookup("§§ no such thing ¶¶")).toEqual(none);
    expect(await lookup("a")).toEqual(none);
    expect(await lookup("   ")).toEqual(none);
    expect(await lookup("")).toEqual(none);
  });

  it("refuses text the database could not take, and more than it looks up", async () => {
    await expect(lookup("bad\u0000text")).rejects.toMatchObject({ code: "validation" });
    await expect(lookup("x".repeat(501))).rejects.toMatchObject({ code: "validation" });
  });

  it("refuses an actor without the permission to view customers", async () => {
    const outsider = ctxFor(t.db, {
      type: "staff",
      id: support.id,
      email: "intern@paydesk.test",
      name: "Intern",
      role: "intern" as StaffRole,
    });
    const err = await resolveLookup(outsider, { q: anna.email }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: "forbidden", message: expect.stringContaining("view customers") });
  });

  describe("through the server action", () => {
    beforeEach(() => resetActionSession());

    it("answers a signed-in support account, and writes nothing", async () => {
      useActionDb(t.db);
      signInAs(support.id);
      const before = await snapshot(t.db);
      expect(await lookupAction({ q: payment.id })).toEqual({
        ok: true,
        data: expect.objectContaining({ kind: "payment", href: `/payments/${payment.id}` }),
      });
      expect(await lookupAction({ q: "anna@example.com" })).toMatchObject({
        ok: true,
        data: { kind: "customer", href: `/customers/${anna.id}` },
      });
      expect(await snapshot(t.db)).toEqual(before);
    });

    it("refuses a caller who is signed out, disabled, or not allowed", async () => {
      useActionDb(t.db);
      signInAs(null);
      expect(await lookupAction({ q: anna.email })).toMatchObject({ ok: false, code: "unauthenticated" });

      const gone = await insertStaff(t.db, "support", "gone@paydesk.test");
      await t.db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, gone.id));
      signInAs(gone.id);
      expect(await lookupAction({ q: anna.email })).toMatchObject({ ok: false, code: "unauthenticated" });

      const intern: SessionActor = {
        type: "staff",
        id: support.id,
        email: "intern@paydesk.test",
        name: "Intern",
        role: "intern" as StaffRole,
        mustChangePassword: false,
      };
      actAs(intern);
      const refused = await lookupAction({ q: anna.email });
      expect(refused).toMatchObject({ ok: false, code: "forbidden" });
      expect(!refused.ok && refused.message).toContain("view customers");
      // Refused before anything is looked up: the answer names no customer.
      expect(JSON.stringify(refused)).not.toContain(anna.id);
    });

    it("refuses invalid input as a validation result, not an exception", async () => {
      useActionDb(t.db);
      signInAs(support.id);
      expect(await lookupAction({ q: "x".repeat(501) })).toMatchObject({ ok: false, code: "validation" });
      expect(await lookupAction({ q: 42 } as never)).toMatchObject({ ok: false, code: "validation" });
    });
  });
});
