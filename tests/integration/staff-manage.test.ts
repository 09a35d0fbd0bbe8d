import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditLog, staffUsers } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor, ServiceContext } from "@/lib/context";
import { isServiceError, type ServiceError } from "@/lib/errors";
import { createStaff } from "@/lib/staff/create";
import { listStaff, resetStaffPassword, setStaffDisabled } from "@/lib/staff/manage";
import { verifyPassword } from "@/lib/staff/password";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";
import { refusal } from "../support/refusal";

type StaffRow = Awaited<ReturnType<typeof insertStaff>>;

function actorOf(user: StaffRow): Actor {
  return { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
}

async function staffAudit(db: TestDatabase["db"], staffId: string) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "staff"), eq(auditLog.entityId, staffId)))
    .orderBy(asc(auditLog.chainSeq));
}

describe("staff management", () => {
  let t: TestDatabase;
  let clock: Clock;
  let admin: StaffRow;
  let ctx: ServiceContext;

  beforeEach(async () => {
    t = await freshDatabase();
    clock = clockAt("2026-03-01T10:00:00.000Z");
    admin = await insertStaff(t.db, "admin", "boss@paydesk.test");
    ctx = ctxFor(t.db, actorOf(admin), { now: clock.now, via: "web" });
  });
  afterEach(async () => {
    await t.close();
  });

  async function row(id: string) {
    const [user] = await t.db.select().from(staffUsers).where(eq(staffUsers.id, id));
    return user!;
  }

  describe("listStaff", () => {
    it("lists every account without password hashes, by role then email", async () => {
      await insertStaff(t.db, "auditor", "carol@paydesk.test");
      await insertStaff(t.db, "support", "bob@paydesk.test");
      await insertStaff(t.db, "admin", "alice@paydesk.test");
      await insertStaff(t.db, "support", "aaron@paydesk.test");

      const list = await listStaff(t.db);
      expect(list.map((u) => [u.role, u.email])).toEqual([
        ["admin", "alice@paydesk.test"],
        ["admin", "boss@paydesk.test"],
        ["support", "aaron@paydesk.test"],
        ["support", "bob@paydesk.test"],
        ["auditor", "carol@paydesk.test"],
      ]);
      for (const user of list) {
        expect(Object.keys(user).sort()).toEqual(
          [
            "createdAt",
            "disabled",
            "email",
            "failedLoginCount",
            "mustChangePassword",
            "id",
            "lastLoginAt",
            "lockedUntil",
            "name",
            "role",
          ].sort(),
        );
        expect(JSON.stringify(user)).not.toContain("argon2");
      }
    });
  });

  describe("setStaffDisabled", () => {
    it("disables and re-enables an account, auditing each change with before/after and reason", async () => {
      const support = await insertStaff(t.db, "support", "sam@paydesk.test");
      const off = await setStaffDisabled(ctx, {
        staffId: support.id,
        disabled: true,
        reason: "left the team",
      });
      expect(off.changed).toBe(true);
      expect(off.user).toMatchObject({ id: support.id, disabled: true });
      expect(off.user).not.toHaveProperty("passwordHash");
      expect((await row(support.id)).disabled).toBe(true);
      expect((await row(support.id)).updatedAt.toISOString()).toBe("2026-03-01T10:00:00.000Z");

      clock.advanceDays(1);
      const on = await setStaffDisabled(ctx, { staffId: support.id, disabled: false });
      expect(on.changed).toBe(true);
      expect(on.user.disabled).toBe(false);
      expect((await row(support.id)).updatedAt.toISOString()).toBe("2026-03-02T10:00:00.000Z");

      const entries = await staffAudit(t.db, support.id);
      expect(entries.map((e) => e.action)).toEqual(["staff.disable", "staff.enable"]);
      expect(entries[0]).toMatchObject({
        before: { disabled: false },
        after: { disabled: true },
        reason: "left the team",
        actorId: admin.id,
        actorEmail: admin.email,
        actorRole: "admin",
        via: "web",
        requestId: ctx.requestId,
      });
      expect(entries[1]).toMatchObject({
        before: { disabled: true },
        after: { disabled: false },
        reason: null,
      });
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    });

    it("is a no-op, with no audit entry, when the account already is in that state", async () => {
      const support = await insertStaff(t.db, "support");
      const same = await setStaffDisabled(ctx, { staffId: support.id, disabled: false });
      expect(same.changed).toBe(false);
      await setStaffDisabled(ctx, { staffId: support.id, disabled: true });
      const again = await setStaffDisabled(ctx, {
        staffId: support.id,
        disabled: true,
        reason: "double click",
      });
      expect(again.changed).toBe(false);
      expect(again.user.disabled).toBe(true);
      expect((await staffAudit(t.db, support.id)).map((e) => e.action)).toEqual(["staff.disable"]);
    });

    it("enabling clears a sign-in lock-out", async () => {
      const support = await insertStaff(t.db, "support");
      await t.db
        .update(staffUsers)
        .set({ disabled: true, failedLoginCount: 7, lockedUntil: new Date("2026-03-01T11:00:00.000Z") })
        .where(eq(staffUsers.id, support.id));
      const on = await setStaffDisabled(ctx, { staffId: support.id, disabled: false, reason: "back" });
      expect(on.user).toMatchObject({ disabled: false, failedLoginCount: 0, lockedUntil: null });
      expect(await row(support.id)).toMatchObject({
        disabled: false,
        failedLoginCount: 0,
        lockedUntil: null,
      });
    });

    it("refuses to disable your own account, and writes nothing", async () => {
      await insertStaff(t.db, "admin", "other-admin@paydesk.test");
      const err = await refusal(setStaffDisabled(ctx, { staffId: admin.id, disabled: true }));
      expect(err.code).toBe("conflict");
      expect(err.message).toMatch(/your own account/);
      expect((await row(admin.id)).disabled).toBe(false);
      expect(await staffAudit(t.db, admin.id)).toEqual([]);
    });

    it("refuses to disable the last enabled admin", async () => {
      const other = await insertStaff(t.db, "admin", "second@paydesk.test");
      await setStaffDisabled(ctx, { staffId: other.id, disabled: true });
      // Acting as a setup actor (not an admin account), the only enabled admin left is `admin`.
      const setup = ctxFor(t.db, { type: "system", id: "system:bootstrap" }, { now: clock.now });
      const err = await refusal(setStaffDisabled(setup, { staffId: admin.id, disabled: true }));
      expect(err.code).toBe("conflict");
      expect(err.message).toBe(
        "boss@paydesk.test is the last enabled admin: enable or create another admin first",
      );
      expect((await row(admin.id)).disabled).toBe(false);

      // With a second admin enabled again, the first may go.
      await setStaffDisabled(setup, { staffId: other.id, disabled: false });
      const ok = await setStaffDisabled(setup, { staffId: admin.id, disabled: true, reason: "handover" });
      expect(ok.changed).toBe(true);
      // …and now the other one is the last.
      const last = await refusal(setStaffDisabled(setup, { staffId: other.id, disabled: true }));
      expect(last.code).toBe("conflict");
    });

    it("disabling a non-admin never counts admins", async () => {
      const auditor = await insertStaff(t.db, "auditor");
      expect((await setStaffDisabled(ctx, { staffId: auditor.id, disabled: true })).changed).toBe(true);
    });

    it("answers not_found for an unknown account and validation for a bad id", async () => {
      const missing = await refusal(
        setStaffDisabled(ctx, { staffId: "00000000-0000-4000-8000-000000000000", disabled: true }),
      );
      expect(missing.code).toBe("not_found");
      const bad = await refusal(setStaffDisabled(ctx, { staffId: "nope", disabled: true }));
      expect(bad.code).toBe("validation");
      expect(bad.fieldErrors.staffId).toBeDefined();
    });

    it.each(["support", "auditor"] as const)("is forbidden for %s", async (role) => {
      const actor = await insertStaff(t.db, role);
      const target = await insertStaff(t.db, "support");
      const err = await refusal(
        setStaffDisabled(ctxFor(t.db, actorOf(actor)), { staffId: target.id, disabled: true }),
      );
      expect(err.code).toBe("forbidden");
      expect((await row(target.id)).disabled).toBe(false);
    });

    it("is forbidden for provider system actors", async () => {
      const target = await insertStaff(t.db, "support");
      const err = await refusal(
        setStaffDisabled(ctxFor(t.db, { type: "system", id: "system:stripe" }), {
          staffId: target.id,
          disabled: true,
        }),
      );
      expect(err.code).toBe("forbidden");
    });
  });

  describe("resetStaffPassword", () => {
    it("sets a new one-time password, clears a lock-out and audits without the secret", async () => {
      const created = await createStaff(ctx, {
        email: "pat@paydesk.test",
        name: "Pat",
        role: "support",
        password: "the-old-password-123",
      });
      const id = created.user.id;
      const locked = new Date("2026-03-01T12:00:00.000Z");
      await t.db
        .update(staffUsers)
        .set({ failedLoginCount: 5, lockedUntil: locked })
        .where(eq(staffUsers.id, id));
      const oldHash = (await row(id)).passwordHash;

      clock.advanceDays(1);
      const { oneTimePassword } = await resetStaffPassword(ctx, { staffId: id });
      expect(oneTimePassword.length).toBeGreaterThanOrEqual(20);

      const after = await row(id);
      expect(after.passwordHash).not.toBe(oldHash);
      expect(after.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(after.passwordHash, oneTimePassword)).toBe(true);
      expect(await verifyPassword(after.passwordHash, "the-old-password-123")).toBe(false);
      expect(after).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
      expect(after.updatedAt.toISOString()).toBe("2026-03-02T10:00:00.000Z");

      const entries = await staffAudit(t.db, id);
      expect(entries.map((e) => e.action)).toEqual(["staff.create", "staff.password_reset"]);
      const reset = entries[1]!;
      expect(reset).toMatchObject({
        actorId: admin.id,
        before: { failedLoginCount: 5, lockedUntil: locked.toISOString() },
        after: { failedLoginCount: 0, lockedUntil: null },
      });
      const text = JSON.stringify(reset);
      expect(text).not.toContain(oneTimePassword);
      expect(text).not.toContain(after.passwordHash);
      expect(text).not.toContain(oldHash);
      expect(text).not.toContain("argon2");
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    });

    it("each reset gives a different password", async () => {
      const support = await insertStaff(t.db, "support");
      const a = await resetStaffPassword(ctx, { staffId: support.id });
      const b = await resetStaffPassword(ctx, { staffId: support.id });
      expect(a.oneTimePassword).not.toBe(b.oneTimePassword);
      expect(await verifyPassword((await row(support.id)).passwordHash, a.oneTimePassword)).toBe(false);
      expect(await verifyPassword((await row(support.id)).passwordHash, b.oneTimePassword)).toBe(true);
    });

    it("answers not_found for an unknown account", async () => {
      const err = await refusal(resetStaffPassword(ctx, { staffId: "00000000-0000-4000-8000-000000000000" }));
      expect(err.code).toBe("not_found");
    });

    it.each(["support", "auditor"] as const)("is forbidden for %s, and changes nothing", async (role) => {
      const actor = await insertStaff(t.db, role);
      const target = await insertStaff(t.db, "admin");
      const err = await refusal(resetStaffPassword(ctxFor(t.db, actorOf(actor)), { staffId: target.id }));
      expect(err.code).toBe("forbidden");
      expect((await row(target.id)).passwordHash).toBe(target.passwordHash);
      expect(await staffAudit(t.db, target.id)).toEqual([]);
    });
  });
});

// Races need several real connections: PGlite has one, so this runs on PostgreSQL only.
describe.runIf(backend === "postgres")("staff management races on PostgreSQL", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase({ max: 8 });
  });
  afterEach(async () => {
    await t.close();
  });

  it("two admins disabling each other at once: one wins, the other is refused, one admin stays", async () => {
    for (let round = 0; round < 5; round++) {
      await t.db.delete(staffUsers);
      const a = await insertStaff(t.db, "admin", `a${round}@paydesk.test`);
      const b = await insertStaff(t.db, "admin", `b${round}@paydesk.test`);
      // Each step pauses, so both transactions are open at once.
      const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
      const settled = await Promise.allSettled([
        setStaffDisabled(ctxFor(t.db, actorOf(a), { onStep: pause }), { staffId: b.id, disabled: true }),
        setStaffDisabled(ctxFor(t.db, actorOf(b), { onStep: pause }), { staffId: a.id, disabled: true }),
      ]);
      const won = settled.filter((s) => s.status === "fulfilled");
      const lost = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      // The loser waited for the winner, then found itself disabled.
      expect(isServiceError(lost[0]) && lost[0].code).toBe("forbidden");
      expect((lost[0] as ServiceError).message).toMatch(/no longer an enabled admin/);

      const admins = await t.db
        .select()
        .from(staffUsers)
        .where(and(eq(staffUsers.role, "admin"), eq(staffUsers.disabled, false)));
      expect(admins).toHaveLength(1);
      const disables = await t.db.select().from(auditLog).where(eq(auditLog.action, "staff.disable"));
      expect(disables).toHaveLength(round + 1);
    }
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("disabling the two remaining admins at once leaves one: the second sees the first's commit", async () => {
    for (let round = 0; round < 5; round++) {
      await t.db.delete(staffUsers);
      const a = await insertStaff(t.db, "admin", `a${round}@paydesk.test`);
      const b = await insertStaff(t.db, "admin", `b${round}@paydesk.test`);
      const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
      const setup = (): ServiceContext =>
        ctxFor(t.db, { type: "system", id: "system:bootstrap" }, { onStep: pause });
      const settled = await Promise.allSettled([
        setStaffDisabled(setup(), { staffId: a.id, disabled: true }),
        setStaffDisabled(setup(), { staffId: b.id, disabled: true }),
      ]);
      expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(1);
      const lost = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
      expect(lost).toHaveLength(1);
      expect(isServiceError(lost[0]) && lost[0].code).toBe("conflict");
      expect((lost[0] as ServiceError).message).toMatch(/last enabled admin/);
      const admins = await t.db
        .select()
        .from(staffUsers)
        .where(and(eq(staffUsers.role, "admin"), eq(staffUsers.disabled, false)));
      expect(admins).toHaveLength(1);
    }
  });

  it("three admins disabling each other in a ring: at least one admin stays enabled", async () => {
    const admins = await Promise.all(
      ["x", "y", "z"].map((n) => insertStaff(t.db, "admin", `${n}@paydesk.test`)),
    );
    const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 10));
    const settled = await Promise.allSettled(
      admins.map((actor, i) =>
        setStaffDisabled(ctxFor(t.db, actorOf(actor), { onStep: pause }), {
          staffId: admins[(i + 1) % admins.length]!.id,
          disabled: true,
        }),
      ),
    );
    for (const s of settled) {
      // Refused because its own admin was disabled first, or because it would leave none.
      if (s.status === "rejected")
        expect(["forbidden", "conflict"]).toContain((s.reason as ServiceError).code);
    }
    const enabled = await t.db
      .select()
      .from(staffUsers)
      .where(and(eq(staffUsers.role, "admin"), eq(staffUsers.disabled, false)));
    expect(enabled.length).toBeGreaterThanOrEqual(1);
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(3 - enabled.length);
  });
});
