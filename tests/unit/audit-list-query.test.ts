import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeAuditCursor, encodeAuditCursor } from "@/lib/audit/list";
import {
  type AuditListQuery,
  type AuditListSearchParams,
  auditActorFilter,
  auditListQuery,
  auditListSizes,
  auditTimeRange,
  parseAuditListQuery,
  parseIsoTimestamp,
  toAuditSearchParams,
} from "@/lib/validation/audit-list";
import { searchParamsRecord } from "@/lib/validation/payment-list";

const DEFAULTS: AuditListQuery = {
  from: null,
  to: null,
  actor: null,
  action: [],
  entityType: null,
  entityId: null,
  size: 25,
  cursor: null,
  back: false,
};

const UUID = "0b6f3c1e-8a3d-4c2b-9f1e-2d3c4b5a6978";

describe("auditListQuery", () => {
  it("gives the defaults for an empty, missing or non-record input", () => {
    expect(parseAuditListQuery({})).toEqual(DEFAULTS);
    expect(parseAuditListQuery(undefined)).toEqual(DEFAULTS);
    expect(parseAuditListQuery(null)).toEqual(DEFAULTS);
    for (const input of [null, "actor=x", 42, ["action"]]) {
      expect(auditListQuery.parse(input)).toEqual(DEFAULTS);
    }
  });

  it("reads every field, from a record or from URLSearchParams", () => {
    const expected: AuditListQuery = {
      from: "2026-01-01",
      to: "2026-01-31T12:00:00.000Z",
      actor: "support@paydesk.test",
      action: ["payment.refund", "payment.status_change"],
      entityType: "payment",
      entityId: UUID,
      size: 100,
      cursor: "eyJ0IjoiMjAyNiJ9",
      back: true,
    };
    const record = {
      from: "2026-01-01",
      to: "2026-01-31T15:00:00+03:00",
      actor: " Support@PayDesk.test ",
      action: "payment.status_change,PAYMENT.REFUND",
      entityType: "Payment",
      entityId: UUID.toUpperCase(),
      size: "100",
      cursor: "eyJ0IjoiMjAyNiJ9",
      back: "1",
    };
    expect(parseAuditListQuery(record)).toEqual(expected);
    expect(parseAuditListQuery(new URLSearchParams(record))).toEqual(expected);
  });

  it("reads the three forms of actor", () => {
    expect(parseAuditListQuery({ actor: UUID.toUpperCase() }).actor).toBe(UUID);
    expect(parseAuditListQuery({ actor: "system:Stripe" }).actor).toBe("system:stripe");
    expect(parseAuditListQuery({ actor: "Admin@Paydesk.Test" }).actor).toBe("admin@paydesk.test");
    expect(auditActorFilter(UUID)).toEqual({ kind: "staff", id: UUID });
    expect(auditActorFilter("system:sign-in")).toEqual({ kind: "system", id: "system:sign-in" });
    expect(auditActorFilter("a@b.c")).toEqual({ kind: "email", email: "a@b.c" });
  });

  it("reads actions from commas and repeated parameters, de-duplicated and sorted", () => {
    const q = parseAuditListQuery({
      action: ["staff.sign_in,payment.refund", " payment.refund , audit.export", "", ","],
    });
    expect(q.action).toEqual(["audit.export", "payment.refund", "staff.sign_in"]);
  });

  it("reads time bounds as days or timestamps, canonically", () => {
    const from = (v: string) => parseAuditListQuery({ from: v }).from;
    expect(from("2026-03-01")).toBe("2026-03-01");
    expect(from("2026-03-01T10:00")).toBe("2026-03-01T10:00:00.000Z"); // no offset: UTC
    expect(from("2026-03-01T10:00:00Z")).toBe("2026-03-01T10:00:00.000Z");
    expect(from("2026-03-01 10:00:00.5")).toBe("2026-03-01T10:00:00.500Z");
    expect(from("2026-03-01T10:00:00.123456-02:30")).toBe("2026-03-01T12:30:00.123Z");
    expect(from("2026-03-01T01:00:00+0300")).toBe("2026-02-28T22:00:00.000Z");
    // An unencoded `+` in a URL arrives as a space.
    expect(from("2026-03-01T01:00:00 03:00")).toBe("2026-02-28T22:00:00.000Z");
    expect(parseIsoTimestamp("2026-02-30T00:00:00Z")).toBeNull();
  });

  it("makes a day in `to` inclusive and a timestamp an exact inclusive bound", () => {
    expect(auditTimeRange({ from: "2026-03-01", to: "2026-03-01" })).toEqual({
      from: new Date("2026-03-01T00:00:00.000Z"),
      to: { at: new Date("2026-03-02T00:00:00.000Z"), inclusive: false },
    });
    expect(auditTimeRange({ from: null, to: "2026-03-01T10:00:00.000Z" })).toEqual({
      from: null,
      to: { at: new Date("2026-03-01T10:00:00.000Z"), inclusive: true },
    });
  });

  it("takes the first value of a repeated single-valued parameter", () => {
    expect(parseAuditListQuery({ size: ["50", "100"], actor: ["system:stripe", "x@y.z"] })).toMatchObject({
      size: 50,
      actor: "system:stripe",
    });
  });

  it("drops junk instead of failing", () => {
    const q = parseAuditListQuery({
      from: "2026-02-30",
      to: "yesterday",
      actor: "not an actor",
      action: "payment;drop table,payment,.refund,Payment.",
      entityType: "pay-ment",
      entityId: "a\u0000b",
      size: "10",
      cursor: "has spaces and +/=",
      back: "yes",
    });
    expect(q).toEqual(DEFAULTS);
  });

  it.each([
    ["from", "2026-13-01"],
    ["from", "2026-01-01T24:00:00Z"],
    ["from", "2026-01-01T10:00:60Z"],
    ["from", "2026-01-01T10:00:00+25:00"],
    ["from", "1899-12-31"],
    ["to", "9999-12-31T00:00:00Z"],
    ["to", "2026-01-01T10"],
    ["to", "1767225600000"],
    ["actor", "system:"],
    ["actor", "system:Has Space"],
    ["actor", "@paydesk.test"],
    ["actor", "a b@c.d"],
    ["actor", `${"x".repeat(250)}@c.de`],
    ["action", "refund"],
    ["action", "payment..refund"],
    ["action", "payment.refund.a.b.c"],
    ["action", `payment.${"x".repeat(60)}`],
    ["action", Array.from({ length: 31 }, (_, i) => `a.b${i}`).join(",")],
    ["entityType", "1payment"],
    ["entityType", "x".repeat(41)],
    ["entityId", " "],
    ["entityId", "x".repeat(201)],
    ["entityId", "\ud800ab"],
    ["cursor", "x".repeat(513)],
    ["size", "25.0"],
    ["size", "10"],
  ])("drops %s=%j", (key, value) => {
    expect(parseAuditListQuery({ [key]: value })).toEqual(DEFAULTS);
  });

  it.each([
    ["entityId", " olga@example.com ", "olga@example.com"],
    ["entityId", "127.0.0.1", "127.0.0.1"],
    ["entityType", "client_address", "client_address"],
    ["action", "staff.sign_in_failed", ["staff.sign_in_failed"]],
    ["to", "9998-12-31", "9998-12-31"],
  ])("keeps %s=%j", (key, value, expected) => {
    expect(parseAuditListQuery({ [key]: value })[key as keyof AuditListQuery]).toEqual(expected);
  });

  it("pages backwards only from a cursor", () => {
    expect(parseAuditListQuery({ back: "1" }).back).toBe(false);
    expect(parseAuditListQuery({ back: "1", cursor: "abc" }).back).toBe(true);
    expect(parseAuditListQuery({ back: "0", cursor: "abc" }).back).toBe(false);
  });
});

describe("toAuditSearchParams", () => {
  it("writes nothing for the defaults, or for an empty partial query", () => {
    expect(toAuditSearchParams(DEFAULTS).toString()).toBe("");
    expect(toAuditSearchParams({}).toString()).toBe("");
  });

  it("writes only what differs from the defaults, in a fixed order", () => {
    const params = toAuditSearchParams({
      ...DEFAULTS,
      action: ["payment.refund", "payment.update"],
      actor: "system:stripe",
      from: "2026-01-01",
      size: 50,
    });
    expect(params.toString()).toBe(
      "from=2026-01-01&actor=system%3Astripe&action=payment.refund%2Cpayment.update&size=50",
    );
    expect(toAuditSearchParams({ back: true }).toString()).toBe(""); // no cursor: no back
    expect(toAuditSearchParams({ cursor: "abc", back: true }).toString()).toBe("cursor=abc&back=1");
  });

  const day = fc
    .date({
      min: new Date("1900-01-01T00:00:00Z"),
      max: new Date("9998-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));
  const instant = fc
    .date({
      min: new Date("1900-01-01T00:00:00Z"),
      max: new Date("9998-12-31T23:59:59.999Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString());
  const bound = fc.option(fc.oneof(day, instant), { nil: null });
  const label = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
  const action = fc
    .array(label, { minLength: 2, maxLength: 3 })
    .map((parts) => parts.join("."))
    .filter((a) => a.length <= 64);
  const email = fc.emailAddress().map((e) => e.toLowerCase());
  const actor = fc.option(
    fc.oneof(
      fc.uuid().map((u) => u.toLowerCase()),
      fc.stringMatching(/^system:[a-z0-9][a-z0-9_.-]{0,20}$/),
      email,
    ),
    { nil: null },
  );
  const entityId = fc
    .string({ minLength: 1, maxLength: 200, unit: "grapheme" })
    .filter(
      (s) =>
        s.trim() === s &&
        s.length >= 1 &&
        s.length <= 200 &&
        !s.includes("\u0000") &&
        !/^[0-9a-f-]{36}$/i.test(s),
    );
  const validQuery: fc.Arbitrary<AuditListQuery> = fc
    .record({
      from: bound,
      to: bound,
      actor,
      action: fc.uniqueArray(action, { maxLength: 5 }).map((a) => [...a].sort()),
      entityType: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/), { nil: null }),
      entityId: fc.option(
        fc.oneof(
          entityId,
          fc.uuid().map((u) => u.toLowerCase()),
        ),
        { nil: null },
      ),
      size: fc.constantFrom(...auditListSizes),
      cursor: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/), { nil: null }),
      back: fc.boolean(),
    })
    .map((q) => ({ ...q, back: q.back && q.cursor !== null }));

  it("round-trips every valid query through the URL", () => {
    fc.assert(
      fc.property(validQuery, (query) => {
        const url = `/audit?${toAuditSearchParams(query).toString()}`;
        const params = new URL(url, "http://x").searchParams;
        expect(parseAuditListQuery(searchParamsRecord(params))).toEqual(query);
        expect(parseAuditListQuery(params)).toEqual(query);
      }),
      { numRuns: 500 },
    );
  });

  const junkValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      "payment.refund,bogus",
      "system:stripe",
      "A@B.C",
      "2026-02-29",
      "2026-01-01T10:00+01:00",
      "50",
      "1",
      UUID.toUpperCase(),
    ),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
    fc.constant(undefined),
  );
  const keys = fc.constantFrom(
    "from",
    "to",
    "actor",
    "action",
    "entityType",
    "entityId",
    "size",
    "cursor",
    "back",
    "other",
  );

  it("never throws on junk, and what it reads survives a round trip", () => {
    fc.assert(
      fc.property(fc.dictionary(keys, junkValue), (params) => {
        const parsed = parseAuditListQuery(params as AuditListSearchParams);
        const again = parseAuditListQuery(toAuditSearchParams(parsed));
        expect(again).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });
});

describe("audit cursor", () => {
  it("encodes the boundary row and rejects anything tampered with", () => {
    const cursor = encodeAuditCursor({ id: UUID, occurredAt: new Date("2026-01-02T03:04:05.678Z") });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeAuditCursor(cursor)).toEqual({ at: "2026-01-02T03:04:05.678Z", id: UUID });
    const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString("base64url");
    expect(decodeAuditCursor(forge({ t: "2026-01-02T03:04:05.678Z", id: "x" }))).toBeNull();
    expect(decodeAuditCursor(forge({ t: "2026-02-30T03:04:05.678Z", id: UUID }))).toBeNull();
    expect(decodeAuditCursor(forge({ t: "2026-01-02", id: UUID }))).toBeNull();
    expect(decodeAuditCursor(forge([1]))).toBeNull();
    expect(decodeAuditCursor("not json")).toBeNull();
    expect(decodeAuditCursor(null)).toBeNull();
    expect(decodeAuditCursor("")).toBeNull();
  });
});
