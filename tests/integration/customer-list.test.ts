import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customers } from "@/db/schema";
import type { ServiceContext } from "@/lib/context";
import {
  type CustomerListRow,
  countCustomersCapped,
  encodeCustomerCursor,
  idPrefixRange,
  listCustomersPage,
} from "@/lib/customers/list";
import { getCustomerProfile } from "@/lib/customers/profile";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { getCustomerSubscriptions } from "@/lib/subscriptions/queries";
import { type CustomerListSearchParams, parseCustomerListQuery } from "@/lib/validation/customer-list";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

const START = "2026-01-01T00:00:00.000Z";
const day = (n: number) => new Date(Date.parse(START) + n * 86_400_000);

/** Customers inserted directly: controlled creation times (with ties) and awkward characters. */
const EXTRA = [
  { email: "percent%sign@example.com", name: "Per Cent" },
  { email: "under_score@example.com", name: "Under Score" },
  { email: "underXscore@example.com", name: "Under X" },
  { email: "back\\slash@example.com", name: "Back Slash" },
  { email: "MixedCase@Example.ORG", name: "Mixed CASE" },
  { email: "ivanova@example.ru", name: "Анна Иванова" },
  { email: "joanna@example.com", name: "Joanna Brown" },
  { email: "bob@example.com", name: "Robert Annan" },
  ...Array.from({ length: 27 }, (_, i) => ({
    email: `bulk${String(i).padStart(2, "0")}@bulk.test`,
    name: `Bulk Person ${i}`,
  })),
];

describe("customers list and profile", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;
  let anna: { id: string; email: string };
  const ids: Record<string, string> = {};
  const paymentIds: Record<"trial" | "b" | "c" | "basicTrial", string> = {} as never;

  // One database for the file: every test here only reads.
  beforeAll(async () => {
    t = await freshDatabase();
    clock = clockAt(START);
    const base = await baseline(t.db, clock);
    ctx = base.ctx;
    anna = base.customer;
    ids[anna.email] = anna.id;
    const rows = await t.db
      .insert(customers)
      .values(
        EXTRA.map((c, i) => ({
          ...c,
          // Pairs share a creation time, so the id decides between them.
          createdAt: new Date(Date.parse("2025-06-01T00:00:00.000Z") + Math.floor(i / 2) * 3_600_000),
        })),
      )
      .returning();
    for (const r of rows) ids[r.email] = r.id;

    const pay = (extra: Record<string, unknown>) =>
      createPayment(ctx, {
        customer: anna.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        status: "succeeded",
        reason: "bank transfer received",
        ...extra,
      });
    paymentIds.trial = (await pay({ kind: "trial", amount: "0" })).payment.id; // 1 Jan → 8 Jan
    clock.set(day(2));
    paymentIds.b = (await pay({})).payment.id; // 8 Jan → 7 Feb
    clock.set(day(3));
    paymentIds.c = (await pay({})).payment.id; // 7 Feb → 9 Mar
    clock.set(day(4));
    await refundPayment(ctx, { paymentId: paymentIds.b, reason: "changed their mind" });
    paymentIds.basicTrial = (await pay({ plan: "basic", kind: "trial", amount: "0" })).payment.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const now = () => day(4);
  const page = (params: CustomerListSearchParams) =>
    listCustomersPage(t.db, parseCustomerListQuery(params), now());
  const emails = async (q: string) => (await page({ q, size: "100" })).rows.map((r) => r.email);

  describe("search", () => {
    it("finds a fragment of the email, case-insensitively", async () => {
      expect(await emails("JOANNA@")).toEqual(["joanna@example.com"]);
      expect(await emails("example.org")).toEqual(["MixedCase@Example.ORG"]);
      expect(await emails("mixedcase@EXAMPLE.org")).toEqual(["MixedCase@Example.ORG"]);
    });

    it("finds a fragment of the name, case-insensitively, beyond ASCII too", async () => {
      expect(await emails("rOBERT an")).toEqual(["bob@example.com"]);
      expect(await emails("иВАНОВ")).toEqual(["ivanova@example.ru"]);
      // "anna" is in two emails and one more name (Robert Annan); "Анна" is another alphabet.
      expect((await emails("anna")).sort()).toEqual([
        "anna@example.com",
        "bob@example.com",
        "joanna@example.com",
      ]);
    });

    it("finds a customer by the whole id, any case, and by the start of it", async () => {
      const id = ids["bob@example.com"]!;
      expect(await emails(id)).toEqual(["bob@example.com"]);
      expect(await emails(id.toUpperCase())).toEqual(["bob@example.com"]);
      expect(await emails(` ${id.slice(0, 8)} `)).toContain("bob@example.com");
      expect(await emails(id.slice(0, 13))).toContain("bob@example.com");
      expect(await emails(id.slice(0, 13).replace("-", ""))).toContain("bob@example.com");
      expect(await emails("00000000-0000-4000-8000-000000000000")).toEqual([]);
    });

    it("reads the start of an id only where it can be one", () => {
      expect(idPrefixRange("abc")).toBeNull(); // too short
      expect(idPrefixRange("abcd")).toEqual({
        from: "abcd0000-0000-0000-0000-000000000000",
        to: "abcdffff-ffff-ffff-ffff-ffffffffffff",
      });
      expect(idPrefixRange("ABCDEF12-34")).toEqual({
        from: "abcdef12-3400-0000-0000-000000000000",
        to: "abcdef12-34ff-ffff-ffff-ffffffffffff",
      });
      expect(idPrefixRange("abcd-ef12")).toBeNull(); // a dash out of place
      expect(idPrefixRange("abcdefgh")).toBeNull(); // not hex
    });

    it("takes %, _ and \\ literally", async () => {
      expect(await emails("t%s")).toEqual(["percent%sign@example.com"]);
      expect(await emails("%%")).toEqual([]);
      expect(await emails("r_s")).toEqual(["under_score@example.com"]);
      expect(await emails("__")).toEqual([]);
      expect(await emails("k\\s")).toEqual(["back\\slash@example.com"]);
      expect(await emails("\\\\")).toEqual([]);
    });

    it("asks for more than one character instead of searching or listing everyone", async () => {
      const query = parseCustomerListQuery({ q: " a " });
      expect(query.q).toBe("a");
      expect(await listCustomersPage(t.db, query)).toEqual({
        rows: [],
        nextCursor: null,
        prevCursor: null,
        tooShort: true,
      });
      expect(await countCustomersCapped(t.db, query)).toEqual({ count: 0, capped: false });
      expect((await page({ q: "zzzz" })).tooShort).toBe(false);
      expect(await emails("zzzz")).toEqual([]);
    });

    it("counts matches up to the cap", async () => {
      const all = parseCustomerListQuery({});
      expect(await countCustomersCapped(t.db, all)).toEqual({ count: EXTRA.length + 1, capped: false });
      expect(await countCustomersCapped(t.db, all, 10)).toEqual({ count: 10, capped: true });
      expect(await countCustomersCapped(t.db, parseCustomerListQuery({ q: "BULK.test" }))).toEqual({
        count: 27,
        capped: false,
      });
    });
  });

  describe("rows", () => {
    it("carry subscriptions (status as a reader sees it, valid until) and payment totals", async () => {
      const [row] = (await page({ q: "anna@example.com" })).rows;
      expect(row).toMatchObject({
        id: anna.id,
        email: "anna@example.com",
        name: "Anna Petrova",
        externalRef: null,
        paymentCount: 4,
        lastPaymentAt: day(4),
        subscriptions: [
          { planCode: "basic", planName: "Basic", status: "trialing", currentPeriodEnd: day(11) },
          // B (refunded) no longer counts: the trial to 8 Jan, then C's 30 days.
          { planCode: "premium", planName: "Premium", status: "active", currentPeriodEnd: day(37) },
        ],
      } satisfies Partial<CustomerListRow>);
      // Read later, the trial has run out.
      const later = await listCustomersPage(t.db, parseCustomerListQuery({ q: "anna@example.com" }), day(20));
      expect(later.rows[0]!.subscriptions.map((s) => s.status)).toEqual(["expired", "active"]);
      const [bob] = (await page({ q: "bob@example.com" })).rows;
      expect(bob).toMatchObject({ paymentCount: 0, lastPaymentAt: null, subscriptions: [] });
    });
  });

  describe("keyset paging", () => {
    /** Every page forward from the first, then every page back from the last. */
    async function walk(base: CustomerListSearchParams) {
      const forward: string[][] = [];
      let result = await page({ ...base, size: "10" });
      expect(result.prevCursor).toBeNull();
      forward.push(result.rows.map((r) => r.id));
      while (result.nextCursor) {
        result = await page({ ...base, size: "10", cursor: result.nextCursor });
        forward.push(result.rows.map((r) => r.id));
      }
      const backward: string[][] = [forward.at(-1)!];
      while (result.prevCursor) {
        result = await page({ ...base, size: "10", cursor: result.prevCursor, back: "1" });
        backward.unshift(result.rows.map((r) => r.id));
      }
      return { forward, backward };
    }

    it("lists newest first, ties broken by id, and pages back to exactly the same pages", async () => {
      const expected = (
        await t.db
          .select({ id: customers.id })
          .from(customers)
          .orderBy(sql`${customers.createdAt} desc, ${customers.id} desc`)
      ).map((r) => r.id);
      const { forward, backward } = await walk({});
      expect(forward.map((p) => p.length)).toEqual([10, 10, 10, 6]);
      expect(forward.flat()).toEqual(expected);
      expect(backward).toEqual(forward);
      // Anna was created last (now), the bulk customers a year before.
      expect(forward[0]![0]).toBe(anna.id);
    });

    it("orders a search by email, one row per email, and pages back to the same pages", async () => {
      const expected = (
        await t.db
          .select({ id: customers.id })
          .from(customers)
          .where(sql`lower(${customers.email}) like '%st%' or lower(${customers.name}) like '%st%'`)
          .orderBy(sql`lower(${customers.email})`)
      ).map((r) => r.id);
      expect(expected.length).toBeGreaterThan(20);
      const { forward, backward } = await walk({ q: "sT" });
      expect(forward.flat()).toEqual(expected);
      expect(new Set(forward.flat()).size).toBe(expected.length);
      expect(backward).toEqual(forward);
    });

    it("ignores a cursor that is malformed or belongs to the other order", async () => {
      const first = await page({ size: "10" });
      for (const cursor of ["not base64!", "e30", Buffer.from('{"m":"r","v":"x"}').toString("base64url")]) {
        expect((await page({ size: "10", cursor })).rows).toEqual(first.rows);
      }
      const searchCursor = encodeCustomerCursor("search", {
        id: anna.id,
        createdAt: day(0),
        emailKey: "m",
      });
      expect((await page({ size: "10", cursor: searchCursor })).rows).toEqual(first.rows);
      // …while in its own order it starts after "m".
      const after = await page({ q: "example", cursor: searchCursor, size: "100" });
      expect(after.rows.map((r) => r.email.toLowerCase())).toEqual([
        "mixedcase@example.org",
        "percent%sign@example.com",
        "under_score@example.com",
        "underxscore@example.com",
      ]);
      expect(after.rows.at(-1)!.email).toBe("underXscore@example.com");
    });
  });

  describe("profile", () => {
    it("is null for an unknown or malformed id", async () => {
      expect(await getCustomerProfile(t.db, "00000000-0000-4000-8000-000000000000")).toBeNull();
      expect(await getCustomerProfile(t.db, "not-an-id")).toBeNull();
      expect(await getCustomerProfile(t.db, "anna@example.com")).toBeNull();
    });

    it("holds each subscription and the grants ledger that explains its end date", async () => {
      const profile = await getCustomerProfile(t.db, anna.id.toUpperCase(), now());
      expect(profile?.customer).toMatchObject({ id: anna.id, email: "anna@example.com" });
      const [basic, premium] = profile!.subscriptions;
      expect(basic).toMatchObject({ plan: { code: "basic" }, status: "trialing", currentPeriodEnd: day(11) });
      expect(basic!.ledger).toHaveLength(1);
      expect(basic!.explainedEnd).toEqual(day(11));

      expect(premium).toMatchObject({
        plan: { code: "premium" },
        status: "active",
        currentPeriodEnd: day(37),
      });
      expect(premium!.explainedEnd).toEqual(premium!.currentPeriodEnd);
      const steps = premium!.ledger.map((s) => ({
        payment: s.grant.paymentId,
        trial: s.grant.isTrial,
        days: s.grant.days,
        stored: [s.grant.periodStart, s.grant.periodEnd],
        revoked: s.grant.revokedAt !== null,
        counted: s.counted,
        paymentStatus: s.grant.payment?.status,
        amount: s.grant.payment?.amountMinor,
      }));
      expect(steps).toEqual([
        {
          payment: paymentIds.trial,
          trial: true,
          days: 7,
          stored: [day(0), day(7)],
          revoked: false,
          counted: { start: day(0), end: day(7), from: "granted_at" },
          paymentStatus: "succeeded",
          amount: 0n,
        },
        {
          payment: paymentIds.b,
          trial: false,
          days: 30,
          stored: [day(7), day(37)],
          revoked: true,
          counted: null,
          paymentStatus: "refunded",
          amount: 59_900n,
        },
        {
          // Stored as 6 Feb → 8 Mar when it was paid; with B refunded it follows the trial.
          payment: paymentIds.c,
          trial: false,
          days: 30,
          stored: [day(37), day(67)],
          revoked: false,
          counted: { start: day(7), end: day(37), from: "previous_end" },
          paymentStatus: "succeeded",
          amount: 59_900n,
        },
      ]);
      expect(premium!.ledger[1]!.grant.revokeReason).toEqual(expect.any(String));
    });

    it("getCustomerSubscriptions gives the same grants, by id or email", async () => {
      const byEmail = await getCustomerSubscriptions(t.db, "ANNA@example.com", now());
      const byId = await getCustomerSubscriptions(t.db, anna.id, now());
      expect(byEmail).toEqual(byId);
      expect(byId.subscriptions.map((s) => [s.plan.code, s.grants.map((g) => g.paymentId)])).toEqual([
        ["basic", [paymentIds.basicTrial]],
        ["premium", [paymentIds.trial, paymentIds.b, paymentIds.c]],
      ]);
      const empty = await getCustomerSubscriptions(t.db, ids["bob@example.com"]!, now());
      expect(empty.subscriptions).toEqual([]);
    });
  });
});
