import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { type Customer, customers, payments, plans, refunds } from "@/db/schema";
import { systemContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { currencyExponent } from "@/lib/money";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment, recordProviderPayment } from "@/lib/payments/create";
import {
  countPaymentsCapped,
  encodeCursor,
  FRAGMENT_ID_LIST_MAX,
  listPaymentsPage,
  type PaymentListRow,
} from "@/lib/payments/list";
import { refundPayment } from "@/lib/payments/refund";
import {
  type PaymentListQuery,
  type PaymentListSearchParams,
  parsePaymentListQuery,
} from "@/lib/validation/payment-list";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

// ---------------------------------------------------------------------------------------
// The reference: every payment as a list row, and the list's rules written out plainly.

async function allRows(db: Db): Promise<PaymentListRow[]> {
  const pending = new Set(
    (
      await db.select({ paymentId: refunds.paymentId }).from(refunds).where(eq(refunds.status, "pending"))
    ).map((r) => r.paymentId),
  );
  const rows = await db
    .select({
      id: payments.id,
      createdAt: payments.createdAt,
      status: payments.status,
      kind: payments.kind,
      provider: payments.provider,
      providerPaymentId: payments.providerPaymentId,
      amountMinor: payments.amountMinor,
      refundedMinor: payments.refundedMinor,
      currency: payments.currency,
      method: payments.method,
      description: payments.description,
      customerId: payments.customerId,
      customerEmail: customers.email,
      customerName: customers.name,
      planCode: plans.code,
      planName: plans.name,
      disputed: payments.disputed,
      reviewReason: payments.reviewReason,
    })
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .leftJoin(plans, eq(plans.id, payments.planId));
  return rows.map((r) => ({ ...r, refundPending: pending.has(r.id) }));
}

function hasFlag(r: PaymentListRow, flag: PaymentListQuery["flag"][number]): boolean {
  return flag === "disputed" ? r.disputed : flag === "held" ? r.reviewReason !== null : r.refundPending;
}

/** `minor` (in the currency's minor units) compared with a major-unit decimal, exactly: sign of minor − decimal. */
function compareToDecimal(minor: bigint, currency: string, decimal: string): number {
  const exponent = BigInt(currencyExponent(currency) ?? 2);
  const [whole = "0", fraction = ""] = decimal.split(".");
  const scale = BigInt(fraction.length);
  const left = minor * 10n ** scale; // minor / 10^e vs D / 10^f  ⇔  minor·10^f vs D·10^e
  const right = BigInt(`${whole}${fraction}`) * 10n ** exponent;
  return left < right ? -1 : left > right ? 1 : 0;
}

function expectedRows(all: PaymentListRow[], q: PaymentListQuery): PaymentListRow[] {
  const dayStart = (d: string) => Date.parse(`${d}T00:00:00.000Z`);
  const fragment = q.q?.toLowerCase();
  const rows = all.filter(
    (r) =>
      (q.status.length === 0 || q.status.includes(r.status)) &&
      (q.kind.length === 0 || q.kind.includes(r.kind)) &&
      (q.provider.length === 0 || q.provider.includes(r.provider)) &&
      (q.currency.length === 0 || q.currency.includes(r.currency)) &&
      (q.flag.length === 0 || q.flag.some((f) => hasFlag(r, f))) &&
      (q.from === null || r.createdAt.getTime() >= dayStart(q.from)) &&
      (q.to === null || r.createdAt.getTime() < dayStart(q.to) + 86_400_000) &&
      (q.min === null || compareToDecimal(r.amountMinor, r.currency, q.min) >= 0) &&
      (q.max === null || compareToDecimal(r.amountMinor, r.currency, q.max) <= 0) &&
      (q.customer === null || r.customerId === q.customer) &&
      (fragment === undefined ||
        r.customerEmail.toLowerCase().includes(fragment) ||
        r.customerName.toLowerCase().includes(fragment)),
  );
  const sign = q.dir === "asc" ? 1 : -1;
  return rows.sort((a, b) => {
    const av = q.sort === "amount" ? a.amountMinor : BigInt(a.createdAt.getTime());
    const bv = q.sort === "amount" ? b.amountMinor : BigInt(b.createdAt.getTime());
    if (av !== bv) return av < bv ? -sign : sign;
    return a.id < b.id ? -sign : a.id > b.id ? sign : 0;
  });
}

const ids = (rows: PaymentListRow[]) => rows.map((r) => r.id);

/**
 * Walks every page forward (nextCursor) and then backward from the last page (prevCursor,
 * back=1), checking page sizes and the cursors at both ends; returns both walks' ids.
 */
async function walk(db: Db, params: PaymentListSearchParams) {
  const base = parsePaymentListQuery(params);
  const forwardPages: PaymentListRow[][] = [];
  let page = await listPaymentsPage(db, base);
  expect(page.prevCursor).toBeNull();
  forwardPages.push(page.rows);
  while (page.nextCursor) {
    expect(page.rows).toHaveLength(base.size);
    page = await listPaymentsPage(db, { ...base, cursor: page.nextCursor, back: false });
    expect(page.rows.length).toBeGreaterThan(0);
    forwardPages.push(page.rows);
    expect(forwardPages.length).toBeLessThan(1000);
  }
  const backwardPages: PaymentListRow[][] = [page.rows];
  while (page.prevCursor) {
    page = await listPaymentsPage(db, { ...base, cursor: page.prevCursor, back: true });
    expect(page.rows).toHaveLength(base.size);
    expect(page.nextCursor).not.toBeNull();
    backwardPages.unshift(page.rows);
    expect(backwardPages.length).toBeLessThan(1000);
  }
  return { forward: forwardPages.flat().map((r) => r.id), backward: backwardPages.flat().map((r) => r.id) };
}

// ---------------------------------------------------------------------------------------

const REASON = "recorded for the list test";
const T0 = "2026-01-10T08:00:00.000Z";

interface Seeded {
  anna: Customer;
  olga: Customer;
  boris: Customer;
  jun: Customer;
  percent: Customer;
  backslash: Customer;
  tieAt: Date;
}

async function seed(db: Db): Promise<Seeded> {
  const clock = clockAt(T0);
  const { ctx, customer: anna } = await baseline(db, clock);
  const providerCtx = { ...systemContext(db, "system:stripe", "webhook"), now: clock.now };
  const olga = await createCustomer(ctx, { email: "olga.smirnova@example.com", name: "Olga Smirnova" });
  const boris = await createCustomer(ctx, { email: "boris@example.org", name: "Boris Ivanov" });
  const jun = await createCustomer(ctx, { email: "jun.tanaka@example.jp", name: "Jun Tanaka" });
  // Characters the form would not take but the table does: LIKE must treat them literally.
  const [percent] = await db
    .insert(customers)
    .values({ email: "percent%user@example.com", name: "Under_score Name" })
    .returning();
  const [backslash] = await db
    .insert(customers)
    .values({ email: "back\\slash@example.com", name: "Back Slash" })
    .returning();

  const step = (hours: number) => clock.set(new Date(clock.now().getTime() + hours * 3_600_000));
  const manual = async (
    who: Customer,
    amount: string,
    currency: string,
    options: { status?: "pending" | "succeeded"; plan?: string; after?: string; sameTime?: boolean } = {},
  ) => {
    if (!options.sameTime) step(7);
    const { payment } = await createPayment(ctx, {
      customer: who.email,
      amount,
      currency,
      plan: options.plan ?? null,
      status: options.status ?? "pending",
      method: "bank_transfer",
      reason: REASON,
    });
    if (options.after === "refund") await refundPayment(ctx, { paymentId: payment.id, reason: REASON });
    else if (options.after === "partial")
      await refundPayment(ctx, { paymentId: payment.id, amount: "1", reason: REASON });
    else if (options.after)
      await changePaymentStatus(ctx, {
        paymentId: payment.id,
        status: options.after as never,
        reason: REASON,
      });
    return payment;
  };

  // Amounts around 100 and 150 in a 2-, a 0- and a 3-decimal currency.
  for (const [amount, currency] of [
    ["99.99", "RUB"],
    ["100.00", "RUB"],
    ["100.01", "RUB"],
    ["150.00", "RUB"],
    ["99", "JPY"],
    ["100", "JPY"],
    ["101", "JPY"],
    ["150", "JPY"],
    ["99.999", "KWD"],
    ["100.000", "KWD"],
    ["100.001", "KWD"],
    ["150.000", "KWD"],
  ] as const) {
    await manual(currency === "JPY" ? jun : currency === "KWD" ? boris : anna, amount, currency, {
      status: "succeeded",
    });
  }
  // A spread of statuses, plans and customers; some created at the very same instant.
  await manual(anna, "599.00", "RUB", { plan: "premium", after: "succeeded" });
  await manual(anna, "299.00", "RUB", { plan: "basic", after: "failed" });
  await manual(olga, "899.00", "RUB", { plan: "family", after: "processing", sameTime: true });
  await manual(olga, "599.00", "RUB", { plan: "premium", status: "succeeded", after: "refund" });
  await manual(olga, "599.00", "RUB", {
    plan: "premium",
    status: "succeeded",
    after: "partial",
    sameTime: true,
  });
  await manual(boris, "12.50", "USD", { after: "canceled" });
  await manual(boris, "12.50", "EUR", {});
  await manual(percent!, "42.00", "USD", { status: "succeeded" });
  await manual(backslash!, "42.00", "EUR", { status: "succeeded", sameTime: true });
  await manual(jun, "5000", "JPY", { after: "succeeded" });
  step(30);
  await createPayment(ctx, {
    customer: olga.email,
    plan: "basic",
    kind: "trial",
    amount: "0",
    currency: "RUB",
    reason: REASON,
  });
  for (let i = 0; i < 8; i++) {
    if (i % 3 !== 0) step(5);
    await recordProviderPayment(providerCtx, {
      provider: i % 2 === 0 ? "stripe" : "yookassa",
      providerPaymentId: `pay_${i}`,
      customer: i % 2 === 0 ? jun.email : olga.email,
      plan: i % 2 === 0 ? null : "premium",
      amountMinor: i % 2 === 0 ? 1_999n : 59_900n,
      currency: i % 2 === 0 ? "USD" : "RUB",
      status: (["succeeded", "pending", "failed", "succeeded"] as const)[i % 4]!,
    });
  }
  // Twelve payments with one created_at and one amount: only the id orders them.
  step(3);
  const tieAt = clock.now();
  await db.insert(payments).values(
    Array.from({ length: 12 }, () => ({
      customerId: boris.id,
      amountMinor: 50_000n,
      currency: "RUB",
      status: "succeeded" as const,
      kind: "manual" as const,
      createdBy: "test",
      createdAt: tieAt,
      updatedAt: tieAt,
    })),
  );

  // Flags: disputes, refunds waiting for the provider, payments held for review; several in
  // the tied block, so that paging through a flag crosses ties.
  const tied = (
    await db
      .select({ id: payments.id })
      .from(payments)
      .where(eq(payments.createdAt, tieAt))
      .orderBy(asc(payments.id))
  ).map((r) => r.id);
  const byProviderId = async (providerPaymentIds: string[]) =>
    (
      await db
        .select({ id: payments.id })
        .from(payments)
        .where(inArray(payments.providerPaymentId, providerPaymentIds))
    ).map((r) => r.id);
  await db
    .update(payments)
    .set({ disputed: true })
    .where(inArray(payments.id, [...tied.filter((_, i) => i % 2 === 0), ...(await byProviderId(["pay_0"]))]));
  await db
    .update(payments)
    .set({ reviewReason: "Paid in RUB, the plan is in USD" })
    .where(inArray(payments.id, [tied[3]!, ...(await byProviderId(["pay_1", "pay_3", "pay_7"]))]));
  const [partial] = await db
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.status, "partially_refunded"), eq(payments.customerId, olga.id)));
  const refund = (paymentId: string, status: "pending" | "succeeded" | "failed") => ({
    paymentId,
    amountMinor: 100n,
    currency: "RUB",
    reason: REASON,
    status,
    actor: "test",
    createdAt: tieAt,
  });
  await db.insert(refunds).values([
    ...[tied[1]!, tied[2]!, tied[3]!, partial!.id].map((id) => refund(id, "pending")),
    // Neither a failed refund nor a succeeded one is waiting for anything.
    refund(tied[5]!, "failed"),
    refund(tied[7]!, "succeeded"),
  ]);
  return { anna, olga, boris, jun, percent: percent!, backslash: backslash!, tieAt };
}

describe("payments list", () => {
  let t: TestDatabase;
  let s: Seeded;
  let all: PaymentListRow[];

  beforeAll(async () => {
    t = await freshDatabase();
    s = await seed(t.db);
    all = await allRows(t.db);
  });
  afterAll(async () => {
    await t?.close();
  });

  const listIds = async (params: PaymentListSearchParams) =>
    ids((await listPaymentsPage(t.db, parsePaymentListQuery({ size: "100", ...params }))).rows);
  const expectedIds = (params: PaymentListSearchParams) =>
    ids(expectedRows(all, parsePaymentListQuery({ size: "100", ...params })));

  it("has a few dozen payments to list, with ties on created_at and on amount", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(all.length).toBeLessThan(100);
    expect(all.filter((r) => r.createdAt.getTime() === s.tieAt.getTime())).toHaveLength(12);
  });

  it("returns rows with the customer and plan joined, bigint amounts and Date timestamps", async () => {
    const page = await listPaymentsPage(t.db, parsePaymentListQuery({ size: "100" }));
    expect(page.rows).toHaveLength(all.length);
    const refunded = page.rows.find((r) => r.status === "refunded");
    expect(refunded).toMatchObject({
      amountMinor: 59_900n,
      refundedMinor: 59_900n,
      currency: "RUB",
      customerEmail: "olga.smirnova@example.com",
      customerName: "Olga Smirnova",
      planCode: "premium",
      planName: "Premium",
      kind: "manual",
      provider: "manual",
      method: "bank_transfer",
    });
    expect(refunded?.createdAt).toBeInstanceOf(Date);
    const stripe = page.rows.find((r) => r.providerPaymentId === "pay_0");
    expect(stripe).toMatchObject({
      kind: "provider",
      providerPaymentId: "pay_0",
      planCode: null,
      planName: null,
    });
    for (const row of page.rows) {
      expect(typeof row.amountMinor).toBe("bigint");
      expect(typeof row.refundedMinor).toBe("bigint");
      expect(row).toEqual(all.find((r) => r.id === row.id));
    }
  });

  const filterCases: [string, PaymentListSearchParams][] = [
    ["no filter", {}],
    ["one status", { status: "succeeded" }],
    ["several statuses", { status: "refunded,partially_refunded,pending" }],
    ["kind trial", { kind: "trial" }],
    ["kinds manual and provider", { kind: "manual,provider" }],
    ["provider stripe", { provider: "stripe" }],
    ["providers yookassa and manual", { provider: "yookassa,manual" }],
    ["one currency", { currency: "JPY" }],
    ["several currencies", { currency: "rub,kwd" }],
    ["from", { from: "2026-01-14" }],
    ["to", { to: "2026-01-13" }],
    ["one day", { from: "2026-01-14", to: "2026-01-14" }],
    ["min", { min: "100" }],
    ["max", { max: "100" }],
    ["min and max", { min: "100", max: "150" }],
    ["fragment of an email", { q: "olga" }],
    ["fragment of a name, any case", { q: "IVANOV" }],
    ["fragment with a LIKE wildcard %", { q: "t%u" }],
    ["fragment with a LIKE wildcard _", { q: "r_s" }],
    ["fragment with a backslash", { q: "k\\s" }],
    ["fragment matching nobody", { q: "nobody-at-all" }],
    ["status, currency and min", { status: "succeeded", currency: "RUB", min: "100" }],
    [
      "fragment, status and dates",
      { q: "example", status: "succeeded,failed", from: "2026-01-11", to: "2026-01-16" },
    ],
    ["provider, kind and max", { provider: "stripe,yookassa", kind: "provider", max: "100" }],
    ["kind, currencies and an amount range", { kind: "manual", currency: "JPY,KWD", min: "100", max: "150" }],
    ["flag disputed", { flag: "disputed" }],
    ["flag refund pending", { flag: "refund_pending" }],
    ["flag held", { flag: "held" }],
    ["any of two flags", { flag: "held,refund_pending" }],
    ["every flag and a status", { flag: "disputed,refund_pending,held", status: "succeeded" }],
    ["flag and fragment", { flag: "disputed", q: "boris" }],
    ["flag and amount order", { flag: "refund_pending,disputed", sort: "amount", dir: "asc" }],
  ];

  it.each(filterCases)("filters: %s", async (_label, params) => {
    const expected = expectedIds(params);
    expect(await listIds(params)).toEqual(expected);
    const count = await countPaymentsCapped(t.db, parsePaymentListQuery(params));
    expect(count).toEqual({ count: expected.length, capped: false });
  });

  it("has a few of each flag, and returns them on each row", () => {
    expect(all.filter((r) => r.disputed)).toHaveLength(7);
    expect(all.filter((r) => r.reviewReason !== null)).toHaveLength(4);
    expect(all.filter((r) => r.refundPending)).toHaveLength(4);
    expect(
      all.filter((r) => r.disputed || r.refundPending || r.reviewReason !== null).length,
    ).toBeGreaterThan(10);
  });

  it("filters by customer id", async () => {
    const got = await listIds({ customer: s.olga.id });
    expect(got.length).toBeGreaterThan(3);
    expect(got).toEqual(expectedIds({ customer: s.olga.id }));
    expect(await listIds({ customer: s.olga.id, q: "boris" })).toEqual([]);
  });

  it("treats LIKE wildcards in the fragment literally", async () => {
    const emails = async (q: string) =>
      new Set(
        (await listPaymentsPage(t.db, parsePaymentListQuery({ q, size: "100" }))).rows.map(
          (r) => r.customerEmail,
        ),
      );
    expect(await emails("t%u")).toEqual(new Set(["percent%user@example.com"]));
    // "_" would match the "ris" of boris, "%" everything.
    expect(await emails("r_s")).toEqual(new Set(["percent%user@example.com"]));
    expect(await emails("%%")).toEqual(new Set());
    expect(await emails("k\\s")).toEqual(new Set(["back\\slash@example.com"]));
  });

  it("compares amounts in each payment's own currency, exactly", async () => {
    const amounts = async (params: PaymentListSearchParams) =>
      (
        await listPaymentsPage(
          t.db,
          parsePaymentListQuery({ size: "100", sort: "amount", dir: "asc", ...params }),
        )
      ).rows
        .filter((r) => ["RUB", "JPY", "KWD"].includes(r.currency))
        .map((r) => `${r.amountMinor} ${r.currency}`);
    expect(await amounts({ min: "100", max: "150", currency: "RUB,JPY,KWD" })).toEqual([
      "100 JPY",
      "101 JPY",
      "150 JPY",
      "10000 RUB",
      "10001 RUB",
      "15000 RUB",
      "100000 KWD",
      "100001 KWD",
      "150000 KWD",
    ]);
    // 100.5 JPY lies between 100 and 101: a lower bound rounds up, an upper bound down.
    expect(await amounts({ min: "100.5", max: "101", currency: "JPY" })).toEqual(["101 JPY"]);
    expect(await amounts({ min: "99.9995", max: "100.0009", currency: "KWD,JPY" })).toEqual([
      "100 JPY",
      "100000 KWD",
    ]);
    expect(await amounts({ min: "100.001", max: "100.01", currency: "RUB,KWD" })).toEqual([
      "10001 RUB",
      "100001 KWD",
    ]);
    expect(await amounts({ min: "100.5", max: "100.9" })).toEqual([]);
    expect(await amounts({ min: "150", max: "100" })).toEqual([]);
    // Without a currency filter the same rules hold for every currency at once.
    expect(await listIds({ min: "99.9999", max: "100.0001" })).toEqual(
      expectedIds({ min: "99.9999", max: "100.0001" }),
    );
    // A min that cannot be parsed is dropped; a huge one matches nothing.
    expect(await listIds({ min: "abc" })).toEqual(expectedIds({}));
    expect(await listIds({ min: "1000000000000000" })).toEqual([]);
  });

  const orders: PaymentListSearchParams[] = [
    { sort: "created", dir: "desc" },
    { sort: "created", dir: "asc" },
    { sort: "amount", dir: "desc" },
    { sort: "amount", dir: "asc" },
  ];
  const walkCases: [string, PaymentListSearchParams][] = orders.flatMap((order) =>
    (
      [
        ["all", {}],
        ["succeeded", { status: "succeeded" }],
        ["RUB from 100", { currency: "RUB", min: "100" }],
        ["fragment", { q: "example.com" }],
        ["boris (the ties)", { customer: "" }],
        ["any flag", { flag: "disputed,refund_pending,held" }],
      ] as [string, PaymentListSearchParams][]
    ).map(([label, p]): [string, PaymentListSearchParams] => [
      `${label}, ${order.sort} ${order.dir}`,
      { ...p, ...order },
    ]),
  );

  it.each(walkCases)("walks every page forward and back: %s", async (_label, raw) => {
    const params = raw.customer === "" ? { ...raw, customer: s.boris.id } : raw;
    const expected = ids(expectedRows(all, parsePaymentListQuery(params)));
    expect(expected.length).toBeGreaterThan(10);
    const { forward, backward } = await walk(t.db, { ...params, size: "10" });
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
  });

  it("orders rows with equal created_at and equal amounts by id", async () => {
    const tied = all.filter((r) => r.createdAt.getTime() === s.tieAt.getTime()).map((r) => r.id);
    const sorted = [...tied].sort();
    for (const [sort, dir] of [
      ["created", "desc"],
      ["amount", "asc"],
    ] as const) {
      const got = (await listIds({ sort, dir, customer: s.boris.id })).filter((id) => tied.includes(id));
      expect(got).toEqual(dir === "asc" ? sorted : [...sorted].reverse());
    }
    // Pages of 10 split the tied block, and the cursor continues inside it.
    const { forward } = await walk(t.db, { customer: s.boris.id, size: "10" });
    expect(forward).toEqual(expectedIds({ customer: s.boris.id }));
  });

  it("has no prevCursor on the first page and no nextCursor on the last", async () => {
    const first = await listPaymentsPage(t.db, parsePaymentListQuery({ size: "10" }));
    expect(first.prevCursor).toBeNull();
    expect(first.nextCursor).not.toBeNull();
    const whole = await listPaymentsPage(t.db, parsePaymentListQuery({ size: "100" }));
    expect(whole.prevCursor).toBeNull();
    expect(whole.nextCursor).toBeNull();
    const none = await listPaymentsPage(t.db, parsePaymentListQuery({ q: "nobody-at-all" }));
    expect(none).toEqual({ rows: [], nextCursor: null, prevCursor: null });
  });

  it("shows the first page, full, when paging back from near the start", async () => {
    const query = parsePaymentListQuery({ size: "10" });
    const first = await listPaymentsPage(t.db, query);
    const second = await listPaymentsPage(t.db, { ...query, cursor: first.nextCursor });
    expect(second.prevCursor).not.toBeNull();
    // Back from the fifth row of page 1: only 4 rows lie before it, so the answer is page 1.
    const fifth = first.rows[4]!;
    const back = await listPaymentsPage(t.db, {
      ...query,
      cursor: encodeCursor("created", "desc", fifth),
      back: true,
    });
    expect(ids(back.rows)).toEqual(ids(first.rows));
    expect(back.prevCursor).toBeNull();
    expect(back.nextCursor).toBe(first.nextCursor);
  });

  it("treats a malformed, tampered or foreign cursor as no cursor", async () => {
    const query = parsePaymentListQuery({ size: "10" });
    const first = await listPaymentsPage(t.db, query);
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const row = first.rows[3]!;
    const bad = [
      "garbage",
      "!!!",
      b64("just a string"),
      b64([1, 2]),
      b64({ s: "created", d: "desc", v: row.createdAt.toISOString(), id: "not-a-uuid" }),
      b64({ s: "created", d: "desc", v: "yesterday", id: row.id }),
      b64({ s: "created", d: "desc", v: "2026-02-30T00:00:00.000Z", id: row.id }),
      b64({ s: "created", d: "desc", v: row.createdAt.toISOString() }),
      b64({ s: "amount", d: "desc", v: "100", id: row.id }), // another sort's cursor
      b64({ s: "created", d: "asc", v: row.createdAt.toISOString(), id: row.id }), // another direction's
      Buffer.from("{not json").toString("base64url"),
    ];
    for (const cursor of bad) {
      for (const back of [false, true]) {
        const page = await listPaymentsPage(t.db, { ...query, cursor, back });
        expect(ids(page.rows)).toEqual(ids(first.rows));
        expect(page.prevCursor).toBeNull();
      }
    }
    const amountBad = [
      b64({ s: "amount", d: "desc", v: "12.5", id: row.id }),
      b64({ s: "amount", d: "desc", v: "-1", id: row.id }),
      b64({ s: "amount", d: "desc", v: "99999999999999999999", id: row.id }),
    ];
    const amountQuery = parsePaymentListQuery({ size: "10", sort: "amount" });
    const amountFirst = await listPaymentsPage(t.db, amountQuery);
    for (const cursor of amountBad) {
      const page = await listPaymentsPage(t.db, { ...amountQuery, cursor });
      expect(ids(page.rows)).toEqual(ids(amountFirst.rows));
    }
    // The cursor from the URL goes through the parser too.
    const viaUrl = await listPaymentsPage(
      t.db,
      parsePaymentListQuery({ size: "10", cursor: "%%%", back: "1" }),
    );
    expect(ids(viaUrl.rows)).toEqual(ids(first.rows));
  });

  it("counts up to the cap", async () => {
    const query = parsePaymentListQuery({});
    expect(await countPaymentsCapped(t.db, query)).toEqual({ count: all.length, capped: false });
    expect(await countPaymentsCapped(t.db, query, all.length)).toEqual({ count: all.length, capped: false });
    expect(await countPaymentsCapped(t.db, query, all.length - 1)).toEqual({
      count: all.length - 1,
      capped: true,
    });
    expect(await countPaymentsCapped(t.db, query, 5)).toEqual({ count: 5, capped: true });
    expect(await countPaymentsCapped(t.db, query, 0)).toEqual({ count: 0, capped: true });
    const succeeded = parsePaymentListQuery({ status: "succeeded" });
    const n = expectedRows(all, succeeded).length;
    expect(await countPaymentsCapped(t.db, succeeded, 3)).toEqual({ count: 3, capped: true });
    expect(await countPaymentsCapped(t.db, succeeded, 10_000)).toEqual({ count: n, capped: false });
    // The cursor and order do not change the count.
    const page = await listPaymentsPage(t.db, { ...succeeded, size: 10 });
    expect(
      await countPaymentsCapped(t.db, { ...succeeded, cursor: page.nextCursor, sort: "amount", dir: "asc" }),
    ).toEqual({ count: n, capped: false });
  });

  it("works inside a transaction", async () => {
    await t.db.transaction(async (tx) => {
      const page = await listPaymentsPage(tx, parsePaymentListQuery({ q: "olga", size: "100" }));
      expect(ids(page.rows)).toEqual(expectedIds({ q: "olga" }));
      expect(await countPaymentsCapped(tx, parsePaymentListQuery({ q: "olga" }))).toEqual({
        count: expectedIds({ q: "olga" }).length,
        capped: false,
      });
    });
  });
});

describe("payments list with a fragment that matches many customers", () => {
  let t: TestDatabase;
  let all: PaymentListRow[];
  const bulk = FRAGMENT_ID_LIST_MAX + 20;

  beforeAll(async () => {
    t = await freshDatabase();
    await t.db.execute(sql`
      insert into customers (email, name)
      select 'bulk.' || i || '@example.com', 'Bulk Person ' || i from generate_series(1, ${bulk}) as i`);
    // One payment per customer, three for every 50th, created a minute apart.
    await t.db.execute(sql`
      insert into payments (customer_id, amount_minor, currency, status, kind, created_by, created_at, updated_at)
      select c.id, 1000 + (n % 7) * 100, 'RUB',
             (case when n % 3 = 0 then 'failed' else 'succeeded' end)::payment_status, 'manual', 'test',
             timestamptz '2026-01-01T00:00:00Z' + n * interval '1 minute',
             timestamptz '2026-01-01T00:00:00Z' + n * interval '1 minute'
      from (select id, row_number() over (order by email) as rn from customers) c
      cross join lateral generate_series(1, case when c.rn % 50 = 0 then 3 else 1 end) as k
      cross join lateral (select c.rn * 3 + k as n) as x`);
    all = await allRows(t.db);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ["every bulk customer (more than the id list takes)", { q: "bulk" }],
    ["with a status and amount order", { q: "person", status: "succeeded", sort: "amount" }],
    ["a few of them", { q: "bulk.10" }],
    ["exactly one", { q: "bulk.1000@" }],
  ] as [string, PaymentListSearchParams][])("%s", async (_label, params) => {
    const expected = ids(expectedRows(all, parsePaymentListQuery(params)));
    expect(expected.length).toBeGreaterThan(0);
    const { forward, backward } = await walk(t.db, { ...params, size: "100" });
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
    expect(await countPaymentsCapped(t.db, parsePaymentListQuery(params))).toEqual({
      count: expected.length,
      capped: false,
    });
    expect(await countPaymentsCapped(t.db, parsePaymentListQuery(params), 10)).toEqual({
      count: Math.min(10, expected.length),
      capped: expected.length > 10,
    });
  });
});
