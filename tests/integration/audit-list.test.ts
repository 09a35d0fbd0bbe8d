import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { type AuditRow, auditLog } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { appendAudit } from "@/lib/audit/append";
import {
  type AuditListRow,
  type AuditViewer,
  auditScope,
  countAuditCapped,
  listAuditActions,
  listAuditActors,
  listAuditEntityTypes,
  listAuditPage,
} from "@/lib/audit/list";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/context";
import {
  type AuditListQuery,
  type AuditListSearchParams,
  parseAuditListQuery,
} from "@/lib/validation/audit-list";
import { freshDatabase, type TestDatabase } from "../support/db";
import { clockAt, ctxFor, insertStaff } from "../support/fixtures";

// ---------------------------------------------------------------------------------------
// The reference: the list's rules written out plainly over every row.

interface Viewers {
  admin: AuditViewer;
  auditor: AuditViewer;
  support: AuditViewer;
  otherSupport: AuditViewer;
}

function visibleTo(viewer: AuditViewer, row: AuditRow): boolean {
  if (viewer.role === "support") return row.actorType === "staff" && row.actorId === viewer.id;
  return true;
}

function expectedRows(all: AuditRow[], q: AuditListQuery, viewer: AuditViewer): AuditRow[] {
  const day = (d: string) => Date.parse(`${d}T00:00:00.000Z`);
  const isDay = (s: string) => s.length === 10;
  const t = (r: AuditRow) => r.occurredAt.getTime();
  return all
    .filter(
      (r) =>
        visibleTo(viewer, r) &&
        (q.from === null || t(r) >= (isDay(q.from) ? day(q.from) : Date.parse(q.from))) &&
        (q.to === null || (isDay(q.to) ? t(r) < day(q.to) + 86_400_000 : t(r) <= Date.parse(q.to))) &&
        (q.actor === null ||
          r.actorId === q.actor ||
          (q.actor.includes("@") && r.actorEmail?.toLowerCase() === q.actor)) &&
        (q.action.length === 0 || q.action.includes(r.action)) &&
        (q.entityType === null || r.entityType === q.entityType) &&
        (q.entityId === null || r.entityId === q.entityId),
    )
    .sort((a, b) => t(b) - t(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * Walks every page forward (nextCursor) and then backward from the last page (prevCursor,
 * back=1), checking page sizes and the cursors at both ends; returns both walks' ids.
 */
async function walk(db: Db, params: AuditListSearchParams, viewer: AuditViewer) {
  const base = parseAuditListQuery(params);
  const forwardPages: AuditListRow[][] = [];
  let page = await listAuditPage(db, base, viewer);
  expect(page.prevCursor).toBeNull();
  forwardPages.push(page.rows);
  while (page.nextCursor) {
    expect(page.rows).toHaveLength(base.size);
    page = await listAuditPage(db, { ...base, cursor: page.nextCursor, back: false }, viewer);
    expect(page.rows.length).toBeGreaterThan(0);
    forwardPages.push(page.rows);
    expect(forwardPages.length).toBeLessThan(100);
  }
  const backwardPages: AuditListRow[][] = [page.rows];
  while (page.prevCursor) {
    page = await listAuditPage(db, { ...base, cursor: page.prevCursor, back: true }, viewer);
    expect(page.rows).toHaveLength(base.size);
    expect(page.nextCursor).not.toBeNull();
    backwardPages.unshift(page.rows);
    expect(backwardPages.length).toBeLessThan(100);
  }
  return {
    pages: forwardPages.length,
    forward: forwardPages.flat().map((r) => r.id),
    backward: backwardPages.flat().map((r) => r.id),
  };
}

// ---------------------------------------------------------------------------------------

const T0 = Date.parse("2026-01-10T08:00:00.000Z");
const HOUR = 3_600_000;

const ACTIONS = [
  "payment.create",
  "payment.status_change",
  "payment.refund",
  "customer.create",
  "staff.sign_in",
];

async function seed(db: Db) {
  const staff = async (role: StaffRole, email: string) => {
    const user = await insertStaff(db, role, email);
    const actor: Actor = { type: "staff", id: user.id, email: user.email, name: user.name, role };
    return { user, actor };
  };
  const admin = await staff("admin", "admin@paydesk.test");
  const auditor = await staff("auditor", "auditor@paydesk.test");
  const support = await staff("support", "support@paydesk.test");
  const otherSupport = await staff("support", "other.support@paydesk.test");
  // Entries keep the email the actor had when acting; a mixed-case one must still match.
  const mixedCaseAdmin: Actor = { ...admin.actor, email: "Admin@PayDesk.test" };
  const actors: Actor[] = [
    admin.actor,
    support.actor,
    { type: "system", id: "system:stripe" },
    otherSupport.actor,
    mixedCaseAdmin,
    auditor.actor,
    support.actor,
    { type: "system", id: "system:sign-in" },
  ];
  const payments = ["a", "b", "c", "d"].map((c) => `${c.repeat(8)}-0000-4000-8000-${c.repeat(12)}`);
  const clock = clockAt(new Date(T0));

  // 90 entries over ~4 days; every three share one instant, so paging must break ties on id.
  for (let i = 0; i < 90; i++) {
    clock.set(new Date(T0 + Math.floor(i / 3) * 3 * HOUR));
    const actor = actors[i % actors.length]!;
    const action = ACTIONS[i % ACTIONS.length]!;
    const entityType =
      action.split(".")[0] === "staff" ? "staff" : action.startsWith("customer") ? "customer" : "payment";
    const entityId = entityType === "payment" ? payments[i % payments.length]! : `${entityType}-${i % 3}`;
    const ctx = ctxFor(db, actor, { now: clock.now, ip: `10.0.0.${i}`, userAgent: "vitest" });
    await db.transaction((tx) =>
      appendAudit(tx, ctx, {
        action,
        entityType,
        entityId,
        before: { n: i - 1 },
        after: { n: i },
        reason: `entry ${i}`,
      }),
    );
  }
  // Right on both sides of a UTC midnight, for the inclusive `to` day.
  for (const at of ["2026-01-11T23:59:59.999Z", "2026-01-12T00:00:00.000Z"]) {
    clock.set(at);
    await db.transaction((tx) =>
      appendAudit(tx, ctxFor(db, support.actor, { now: clock.now }), {
        action: "payment.update",
        entityType: "payment",
        entityId: payments[0]!,
        after: { at },
      }),
    );
  }
  const viewer = (u: { user: { id: string; role: StaffRole } }): AuditViewer => ({
    id: u.user.id,
    role: u.user.role,
  });
  const viewers: Viewers = {
    admin: viewer(admin),
    auditor: viewer(auditor),
    support: viewer(support),
    otherSupport: viewer(otherSupport),
  };
  return { viewers, payments, admin, support };
}

describe("audit list", () => {
  let t: TestDatabase;
  let all: AuditRow[];
  let s: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    t = await freshDatabase();
    s = await seed(t.db);
    all = await t.db.select().from(auditLog);
  });

  afterAll(async () => {
    await t?.close();
  });

  const check = async (params: AuditListSearchParams, viewer: AuditViewer) => {
    const q = parseAuditListQuery(params);
    const expected = expectedRows(all, q, viewer).map((r) => r.id);
    const { forward, backward, pages } = await walk(t.db, params, viewer);
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
    const count = await countAuditCapped(t.db, q, viewer);
    expect(count).toEqual({ count: expected.length, capped: false });
    return { expected, pages };
  };

  it("has entries with ties on occurred_at, written through the chained writer", async () => {
    expect(all).toHaveLength(92);
    const instants = new Set(all.map((r) => r.occurredAt.getTime()));
    expect(instants.size).toBeLessThan(all.length - 20);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("pages through everything forwards and backwards, ties included, for admin and auditor", async () => {
    for (const viewer of [s.viewers.admin, s.viewers.auditor]) {
      const { expected, pages } = await check({}, viewer);
      expect(expected).toHaveLength(92);
      expect(pages).toBe(4);
      for (const size of ["50", "100"]) await check({ size }, viewer);
    }
  });

  it("returns whole rows, newest first", async () => {
    const page = await listAuditPage(t.db, parseAuditListQuery({}), s.viewers.admin);
    const first = page.rows[0]!;
    expect(first.occurredAt).toBeInstanceOf(Date);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first).toHaveProperty("prevHash");
    expect(first).toMatchObject({ userAgent: "vitest" });
    for (let i = 1; i < page.rows.length; i++) {
      expect(page.rows[i - 1]!.occurredAt.getTime()).toBeGreaterThanOrEqual(
        page.rows[i]!.occurredAt.getTime(),
      );
    }
  });

  it("filters by time range: days, inclusive `to` day, and exact timestamps", async () => {
    const viewer = s.viewers.admin;
    const { expected: day11 } = await check({ from: "2026-01-11", to: "2026-01-11" }, viewer);
    const rows = all.filter((r) => day11.includes(r.id));
    expect(rows.some((r) => r.occurredAt.toISOString() === "2026-01-11T23:59:59.999Z")).toBe(true);
    expect(rows.every((r) => r.occurredAt.toISOString().startsWith("2026-01-11"))).toBe(true);
    await check({ to: "2026-01-11" }, viewer);
    await check({ from: "2026-01-12" }, viewer);
    // A timestamp bound is exact and inclusive on both sides, whatever the offset it was written in.
    const { expected: exact } = await check(
      { from: "2026-01-10T18:00:00+01:00", to: "2026-01-10T20:00:00Z", size: "50" },
      viewer,
    );
    expect(exact).toHaveLength(6); // 17:00Z (3 entries) and 20:00Z (3 entries): both bounds included
    await check({ from: "2026-01-12", to: "2026-01-11" }, viewer); // an empty range is just empty
  });

  it("filters by actor: staff id, system id, or email case-insensitively", async () => {
    const viewer = s.viewers.auditor;
    const { expected: byId } = await check({ actor: s.admin.user.id }, viewer);
    const { expected: byEmail } = await check({ actor: "ADMIN@paydesk.test" }, viewer);
    // The mixed-case email entries are the admin's too: same id, and the email matches regardless of case.
    expect(byEmail).toEqual(byId);
    expect(byId.length).toBeGreaterThan(10);
    const { expected: stripe } = await check({ actor: "system:stripe" }, viewer);
    expect(stripe.length).toBeGreaterThan(5);
    expect(all.filter((r) => stripe.includes(r.id)).every((r) => r.actorType === "system")).toBe(true);
    const { expected: nobody } = await check({ actor: "nobody@paydesk.test" }, viewer);
    expect(nobody).toEqual([]);
  });

  it("filters by one or several actions", async () => {
    const viewer = s.viewers.admin;
    const { expected: one } = await check({ action: "payment.refund" }, viewer);
    expect(one.length).toBe(18);
    const { expected: two } = await check({ action: "payment.refund,staff.sign_in" }, viewer);
    expect(two.length).toBe(36);
    expect((await check({ action: "payment.unknown" }, viewer)).expected).toEqual([]);
  });

  it("filters by entity type and id, and by every filter at once", async () => {
    const viewer = s.viewers.admin;
    const { expected: byType } = await check({ entityType: "customer" }, viewer);
    expect(byType.length).toBe(18);
    const { expected: byEntity } = await check({ entityType: "payment", entityId: s.payments[0]! }, viewer);
    expect(byEntity.length).toBeGreaterThan(3);
    await check({ entityId: s.payments[1]!.toUpperCase() }, viewer); // ids are lower-cased by the parser
    const { expected: combined } = await check(
      {
        from: "2026-01-10",
        to: "2026-01-13",
        actor: "support@paydesk.test",
        action: "payment.create,payment.update",
        entityType: "payment",
        entityId: s.payments[0]!,
      },
      viewer,
    );
    expect(combined.length).toBeGreaterThan(0);
  });

  it("shows support only their own entries, whatever they filter by", async () => {
    const own = s.viewers.support;
    expect(auditScope(own)).toBe("own");
    const { expected } = await check({}, own);
    const mine = all.filter((r) => expected.includes(r.id));
    expect(mine.length).toBeGreaterThan(10);
    expect(mine.every((r) => r.actorType === "staff" && r.actorId === own.id)).toBe(true);
    expect(expected.length).toBe(all.filter((r) => r.actorId === own.id).length);

    // Asking for someone else's entries gives nothing, by id, email, system id or entity.
    for (const actor of [s.admin.user.id, "admin@paydesk.test", "system:stripe", s.viewers.otherSupport.id]) {
      const { expected: theirs } = await check({ actor }, own);
      expect(theirs).toEqual([]);
    }
    expect((await check({ actor: "support@paydesk.test" }, own)).expected).toEqual(expected);
    const { expected: entity } = await check({ entityType: "payment", entityId: s.payments[0]! }, own);
    expect(all.filter((r) => entity.includes(r.id)).every((r) => r.actorId === own.id)).toBe(true);
    expect(entity.length).toBeLessThan(
      all.filter((r) => r.entityType === "payment" && r.entityId === s.payments[0]).length,
    );
    await check({ action: "payment.update", size: "50" }, own);

    // Another support account sees its own, and none of the first one's.
    const { expected: other } = await check({}, s.viewers.otherSupport);
    expect(other.length).toBeGreaterThan(5);
    expect(other.some((id) => expected.includes(id))).toBe(false);
  });

  it("sees everything as admin and auditor", async () => {
    expect(auditScope(s.viewers.admin)).toBe("all");
    expect(auditScope(s.viewers.auditor)).toBe("all");
    for (const viewer of [s.viewers.admin, s.viewers.auditor]) {
      const { expected } = await check({ actor: s.viewers.otherSupport.id }, viewer);
      expect(expected.length).toBeGreaterThan(5);
    }
  });

  it("caps the count", async () => {
    const q = parseAuditListQuery({});
    expect(await countAuditCapped(t.db, q, s.viewers.admin, 50)).toEqual({ count: 50, capped: true });
    expect(await countAuditCapped(t.db, q, s.viewers.admin, 92)).toEqual({ count: 92, capped: false });
  });

  it("ignores a cursor that does not decode, and serves the first page", async () => {
    const first = await listAuditPage(t.db, parseAuditListQuery({}), s.viewers.admin);
    for (const cursor of ["bm90LWpzb24", Buffer.from('{"t":"x","id":"y"}').toString("base64url")]) {
      const page = await listAuditPage(t.db, parseAuditListQuery({ cursor, back: "1" }), s.viewers.admin);
      expect(page.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
      expect(page.prevCursor).toBeNull();
    }
  });

  it("lists the distinct actions and entity types for the filters", async () => {
    expect(await listAuditActions(t.db)).toEqual([...ACTIONS, "payment.update"].sort());
    expect(await listAuditEntityTypes(t.db)).toEqual(["customer", "payment", "staff"]);
    const actors = await listAuditActors(t.db);
    expect(actors.map((a) => a.value)).toEqual([
      "admin@paydesk.test",
      "auditor@paydesk.test",
      "other.support@paydesk.test",
      "support@paydesk.test",
      "system:sign-in",
      "system:stripe",
    ]);
    expect(actors[0]!.label).toBe("admin@paydesk.test (admin)");
  });
});
