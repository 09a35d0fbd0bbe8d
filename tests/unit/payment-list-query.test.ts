import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { paymentKinds, paymentProviders, paymentStatuses } from "@/db/schema/enums";
import {
  boundToMinor,
  decodeCursor,
  encodeCursor,
  likeContains,
  type PaymentListRow,
} from "@/lib/payments/list";
import {
  type PaymentListQuery,
  type PaymentListSearchParams,
  parsePaymentListQuery,
  paymentListFlags,
  paymentListQuery,
  paymentListSizes,
  searchParamsRecord,
  toSearchParams,
} from "@/lib/validation/payment-list";

const DEFAULTS: PaymentListQuery = {
  status: [],
  kind: [],
  provider: [],
  currency: [],
  flag: [],
  from: null,
  to: null,
  min: null,
  max: null,
  q: null,
  customer: null,
  sort: "created",
  dir: "desc",
  size: 25,
  cursor: null,
  back: false,
};

const UUID = "0b6f3c1e-8a3d-4c2b-9f1e-2d3c4b5a6978";

describe("paymentListQuery", () => {
  it("gives the defaults for an empty, missing or non-record input", () => {
    expect(parsePaymentListQuery({})).toEqual(DEFAULTS);
    expect(parsePaymentListQuery(undefined)).toEqual(DEFAULTS);
    for (const input of [null, "status=pending", 42, ["status"], new URLSearchParams("status=pending")]) {
      expect(paymentListQuery.parse(input)).toEqual(DEFAULTS);
    }
    expect(parsePaymentListQuery({ status: undefined, size: undefined, q: undefined })).toEqual(DEFAULTS);
  });

  it("reads every field", () => {
    expect(
      parsePaymentListQuery({
        status: "pending,succeeded",
        kind: "manual",
        provider: "stripe,yookassa",
        currency: "rub,JPY",
        flag: "held,disputed",
        from: "2026-01-01",
        to: "2026-01-31",
        min: "100",
        max: "150.50",
        q: "  olga ",
        customer: UUID.toUpperCase(),
        sort: "amount",
        dir: "asc",
        size: "100",
        cursor: "eyJzIjoiY3JlYXRlZCJ9",
        back: "1",
      }),
    ).toEqual({
      status: ["pending", "succeeded"],
      kind: ["manual"],
      provider: ["stripe", "yookassa"],
      currency: ["JPY", "RUB"],
      flag: ["disputed", "held"],
      from: "2026-01-01",
      to: "2026-01-31",
      min: "100",
      max: "150.50",
      q: "olga",
      customer: UUID,
      sort: "amount",
      dir: "asc",
      size: 100,
      cursor: "eyJzIjoiY3JlYXRlZCJ9",
      back: true,
    });
  });

  it("reads multi-values from commas and repeated parameters, de-duplicated, in a canonical order", () => {
    const q = parsePaymentListQuery({
      status: ["refunded,PENDING", " succeeded , pending", "", ","],
      kind: "trial,trial,manual",
      currency: "usd,eur, USD ,rub",
      flag: ["HELD", "refund_pending,disputed", "held"],
    });
    expect(q.status).toEqual(["pending", "succeeded", "refunded"]);
    expect(q.kind).toEqual(["manual", "trial"]);
    expect(q.currency).toEqual(["EUR", "RUB", "USD"]);
    expect(q.flag).toEqual(["disputed", "refund_pending", "held"]);
  });

  it("takes the first value of a repeated single-valued parameter", () => {
    expect(
      parsePaymentListQuery({ size: ["50", "10"], sort: ["amount", "created"], q: ["ab", "cd"] }),
    ).toMatchObject({
      size: 50,
      sort: "amount",
      q: "ab",
    });
  });

  it("drops junk instead of failing", () => {
    const q = parsePaymentListQuery({
      status: "bogus,succeeded;drop table",
      kind: "gift",
      provider: "paypal",
      currency: "XXX,XAU,RU,RUBB,123,abc",
      flag: "flagged,refund-pending,refunded",
      from: "2026-02-30",
      to: "2026-1-5",
      min: "-5",
      max: "1e3",
      q: "a",
      customer: "not-a-uuid",
      sort: "name",
      dir: "up",
      size: "7",
      cursor: "has spaces and +/=",
      back: "yes",
    });
    expect(q).toEqual(DEFAULTS);
  });

  it.each([
    ["from", "2026-13-01"],
    ["from", "2026-00-10"],
    ["from", "26-01-01"],
    ["from", "2026-01-01T00:00:00Z"],
    ["to", "1899-12-31"],
    ["to", "9999-12-31"],
    ["to", "2025-02-29"],
    ["min", "1.2.3"],
    ["min", ".5"],
    ["min", "5."],
    ["min", "1,5"],
    ["min", "Infinity"],
    ["min", "0x10"],
    ["min", "10000000000000001"],
    ["max", " "],
    ["q", " a "],
    ["q", "x".repeat(101)],
    ["q", "a\u0000b"],
    ["q", "\ud800ab"],
    ["cursor", "x".repeat(513)],
    ["size", "25.0"],
    ["size", "0"],
  ])("drops %s=%j", (key, value) => {
    expect(parsePaymentListQuery({ [key]: value })).toEqual(DEFAULTS);
  });

  it.each([
    ["from", "2024-02-29", "2024-02-29"],
    ["to", " 2026-12-31 ", "2026-12-31"],
    ["min", "0", "0"],
    ["min", "007.10", "007.10"],
    ["max", "1000000000000000.9999", "1000000000000000.9999"],
    ["q", "ab", "ab"],
    ["q", "x".repeat(100), "x".repeat(100)],
    ["q", "%_\\", "%_\\"],
  ])("keeps %s=%j", (key, value, expected) => {
    expect(parsePaymentListQuery({ [key]: value })[key as keyof PaymentListQuery]).toEqual(expected);
  });

  it("pages backwards only from a cursor", () => {
    expect(parsePaymentListQuery({ back: "1" }).back).toBe(false);
    expect(parsePaymentListQuery({ back: "1", cursor: "abc" }).back).toBe(true);
    expect(parsePaymentListQuery({ back: "0", cursor: "abc" }).back).toBe(false);
  });
});

describe("toSearchParams", () => {
  it("writes nothing for the defaults, or for an empty partial query", () => {
    expect(toSearchParams(DEFAULTS).toString()).toBe("");
    expect(toSearchParams({}).toString()).toBe("");
  });

  it("writes only what differs from the defaults", () => {
    const params = toSearchParams({
      ...DEFAULTS,
      status: ["pending", "succeeded"],
      currency: ["RUB"],
      flag: ["refund_pending", "held"],
      q: "olga smirnova",
      size: 50,
      dir: "asc",
    });
    expect(params.toString()).toBe(
      "status=pending%2Csucceeded&currency=RUB&flag=refund_pending%2Cheld&q=olga+smirnova&dir=asc&size=50",
    );
    expect(toSearchParams({ sort: "amount", back: true }).toString()).toBe("sort=amount"); // no cursor: no back
    expect(toSearchParams({ cursor: "abc", back: true }).toString()).toBe("cursor=abc&back=1");
  });

  const subset = <T>(values: readonly T[]) => fc.subarray([...values]);
  const day = fc
    .date({
      min: new Date("1900-01-01T00:00:00Z"),
      max: new Date("9998-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));
  const decimal = fc
    .tuple(
      fc.bigInt({ min: 0n, max: 10n ** 15n }),
      fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
    )
    .map(([whole, fraction]) => (fraction === undefined ? String(whole) : `${whole}.${fraction}`));
  const fragment = fc
    .string({ minLength: 2, maxLength: 100, unit: "grapheme" })
    .filter((s) => s.trim() === s && s.length >= 2 && s.length <= 100 && !s.includes("\u0000"));
  const validQuery: fc.Arbitrary<PaymentListQuery> = fc
    .record({
      status: subset(paymentStatuses),
      kind: subset(paymentKinds),
      provider: subset(paymentProviders),
      currency: subset(["EUR", "JPY", "KWD", "RUB", "USD"]),
      flag: subset(paymentListFlags),
      from: fc.option(day, { nil: null }),
      to: fc.option(day, { nil: null }),
      min: fc.option(decimal, { nil: null }),
      max: fc.option(decimal, { nil: null }),
      q: fc.option(fragment, { nil: null }),
      customer: fc.option(
        fc.uuid().map((u) => u.toLowerCase()),
        { nil: null },
      ),
      sort: fc.constantFrom("created" as const, "amount" as const),
      dir: fc.constantFrom("asc" as const, "desc" as const),
      size: fc.constantFrom(...paymentListSizes),
      cursor: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/), { nil: null }),
      back: fc.boolean(),
    })
    .map((q) => ({ ...q, back: q.back && q.cursor !== null }));

  it("round-trips every valid query through the URL", () => {
    fc.assert(
      fc.property(validQuery, (query) => {
        const url = `/payments?${toSearchParams(query).toString()}`;
        const parsed = parsePaymentListQuery(searchParamsRecord(new URL(url, "http://x").searchParams));
        expect(parsed).toEqual(query);
      }),
      { numRuns: 500 },
    );
  });

  const junkValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      "pending,bogus",
      "RUB,xau",
      "held,bogus",
      "2026-02-29",
      "1.5",
      "-1",
      "100",
      "amount",
      "asc",
      "1",
      "50",
    ),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
    fc.constant(undefined),
  );
  const keys = fc.constantFrom(
    "status",
    "kind",
    "provider",
    "currency",
    "flag",
    "from",
    "to",
    "min",
    "max",
    "q",
    "customer",
    "sort",
    "dir",
    "size",
    "cursor",
    "back",
    "other",
  );

  it("never throws on junk, and what it reads survives a round trip", () => {
    fc.assert(
      fc.property(fc.dictionary(keys, junkValue), (params) => {
        const parsed = parsePaymentListQuery(params as PaymentListSearchParams);
        const again = parsePaymentListQuery(searchParamsRecord(toSearchParams(parsed)));
        expect(again).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });
});

describe("list helpers", () => {
  it("converts a major-unit bound to minor units per exponent, rounding outwards", () => {
    expect(boundToMinor("100", 2, "ceil")).toBe(10_000n);
    expect(boundToMinor("100.5", 0, "ceil")).toBe(101n);
    expect(boundToMinor("100.5", 0, "floor")).toBe(100n);
    expect(boundToMinor("100.000", 0, "ceil")).toBe(100n);
    expect(boundToMinor("99.9991", 3, "ceil")).toBe(100_000n);
    expect(boundToMinor("99.9991", 3, "floor")).toBe(99_999n);
    expect(boundToMinor("1.23456", 4, "floor")).toBe(12_345n);
    expect(boundToMinor("0", 2, "ceil")).toBe(0n);
    expect(boundToMinor("1000000000000001", 0, "ceil")).toBeNull(); // above every storable amount
    expect(boundToMinor("100", 7, "ceil")).toBeNull(); // no currency has 7 decimals
  });

  it("escapes LIKE wildcards", () => {
    expect(likeContains("olga")).toBe("%olga%");
    expect(likeContains("50%_off\\")).toBe("%50\\%\\_off\\\\%");
  });

  it("encodes a cursor that only decodes for its own order", () => {
    const row = {
      id: UUID,
      createdAt: new Date("2026-01-02T03:04:05.678Z"),
      amountMinor: 12_345n,
    } as PaymentListRow;
    const created = encodeCursor("created", "desc", row);
    expect(created).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(created, "created", "desc")).toEqual({ value: "2026-01-02T03:04:05.678Z", id: UUID });
    expect(decodeCursor(created, "created", "asc")).toBeNull();
    expect(decodeCursor(created, "amount", "desc")).toBeNull();
    const amount = encodeCursor("amount", "asc", row);
    expect(decodeCursor(amount, "amount", "asc")).toEqual({ value: "12345", id: UUID });
    expect(JSON.parse(Buffer.from(amount, "base64url").toString())).toEqual({
      s: "amount",
      d: "asc",
      v: "12345",
      id: UUID,
    });
    expect(decodeCursor(null, "created", "desc")).toBeNull();
    expect(decodeCursor("", "created", "desc")).toBeNull();
  });
});
