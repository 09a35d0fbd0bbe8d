import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditLog, staffUsers } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { actorForSession } from "@/lib/auth/session";
import type { Actor, ServiceContext } from "@/lib/context";
import { isServiceError, type ServiceError } from "@/lib/errors";
import { changeStaffRole } from "@/lib/staff/change-role";
import { lastJson, useCliProcess } from "../support/cli";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";
import { refusal } from "../support/refusal";

type StaffRow = Awaited<ReturnType<typeof insertStaff>>;

function actorOf(user: StaffRow): Actor {
  return { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
}

describe("changing a staff member's role (issue 12, defect 9)", () => {
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
  const roleChanges = (id: string) =>
    t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "staff.role_change"), eq(auditLog.entityId, id)));

  it("changes the role, audits before/after and the reason, and ends every session of that person", async () => {
    const agent = await insertStaff(t.db, "support", "agent@paydesk.test");
    const signedInAt = clock.now().getTime() - 60_000;
    const kept = randomUUID();
    // Even the session they kept when they last changed their own password ends.
    await t.db.update(staffUsers).set({ keptSessionId: kept }).where(eq(staffUsers.id, agent.id));
    expect(await actorForSession(t.db, agent.id, { signedInAt, sessionId: kept })).not.toBeNull();

    const result = await changeStaffRole(ctx, { staffId: agent.id, role: "admin", reason: "team lead now" });
    expect(result).toMatchObject({ id: agent.id, role: "admin", changed: true });
    const after = await row(agent.id);
    expect(after.role).toBe("admin");
    expect(after.sessionsValidAfter?.toISOString()).toBe(clock.now().toISOString());
    expect(after.keptSessionId).toBeNull();
    expect(await actorForSession(t.db, agent.id, { signedInAt, sessionId: kept })).toBeNull();
    expect(await actorForSession(t.db, agent.id, { signedInAt, sessionId: randomUUID() })).toBeNull();

    const [entry, ...more] = await roleChanges(agent.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actorId: admin.id,
      entityType: "staff",
      before: { role: "support" },
      after: { role: "admin" },
      reason: "team lead now",
      via: "web",
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("refuses to demote the last enabled admin, itself included, and writes nothing", async () => {
    const err = await refusal(
      changeStaffRole(ctx, { staffId: admin.id, role: "auditor", reason: "stepping down" }),
    );
    expect(err.code).toBe("conflict");
    expect(err.message).toMatch(/last enabled admin/);
    expect((await row(admin.id)).role).toBe("admin");
    expect((await row(admin.id)).sessionsValidAfter).toBeNull();
    expect(await roleChanges(admin.id)).toEqual([]);

    // A disabled admin does not count as the one that stays.
    const dormant = await insertStaff(t.db, "admin", "dormant@paydesk.test");
    await t.db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, dormant.id));
    expect(
      (await refusal(changeStaffRole(ctx, { staffId: admin.id, role: "support", reason: "stepping down" })))
        .code,
    ).toBe("conflict");

    // With another enabled admin, it may go.
    await insertStaff(t.db, "admin", "second@paydesk.test");
    await changeStaffRole(ctx, { staffId: admin.id, role: "support", reason: "stepping down" });
    expect((await row(admin.id)).role).toBe("support");
  });

  it("is a no-op for the current role, and refuses bad input, non-admins and unknown accounts", async () => {
    const agent = await insertStaff(t.db, "support", "agent@paydesk.test");
    expect(await changeStaffRole(ctx, { staffId: agent.id, role: "support", reason: "same" })).toMatchObject({
      changed: false,
    });
    expect((await row(agent.id)).sessionsValidAfter).toBeNull();

    const bad = await refusal(
      changeStaffRole(ctx, { staffId: agent.id, role: "root" as never, reason: "x y z" }),
    );
    expect(bad.code).toBe("validation");
    expect(bad.fieldErrors.role?.[0]).toMatch(/Role must be one of/);
    const noReason = await refusal(changeStaffRole(ctx, { staffId: agent.id, role: "auditor", reason: "" }));
    expect(noReason.fieldErrors.reason).toBeDefined();

    for (const role of ["support", "auditor"] as const) {
      const actor = await insertStaff(t.db, role);
      const err = await refusal(
        changeStaffRole(ctxFor(t.db, actorOf(actor)), {
          staffId: agent.id,
          role: "admin",
          reason: "promote me",
        }),
      );
      expect(err.code).toBe("forbidden");
    }
    const missing = await refusal(
      changeStaffRole(ctx, { staffId: "00000000-0000-4000-8000-000000000000", role: "admin", reason: "who" }),
    );
    expect(missing.code).toBe("not_found");
    expect((await row(agent.id)).role).toBe("support");
    expect(await roleChanges(agent.id)).toEqual([]);
  });
});

// Races need several real connections: PGlite has one, so this runs on PostgreSQL only.
describe.runIf(backend === "postgres")("role changes racing on PostgreSQL", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase({ max: 8 });
  });
  afterEach(async () => {
    await t.close();
  });

  it("two admins demoting each other at once leave one admin", async () => {
    for (let round = 0; round < 5; round++) {
      await t.db.delete(staffUsers);
      const a = await insertStaff(t.db, "admin", `a${round}@paydesk.test`);
      const b = await insertStaff(t.db, "admin", `b${round}@paydesk.test`);
      // Each step pauses, so both transactions are open at once.
      const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
      const settled = await Promise.allSettled([
        changeStaffRole(ctxFor(t.db, actorOf(a), { onStep: pause }), {
          staffId: b.id,
          role: "support",
          reason: "coup",
        }),
        changeStaffRole(ctxFor(t.db, actorOf(b), { onStep: pause }), {
          staffId: a.id,
          role: "auditor",
          reason: "coup",
        }),
      ]);
      const lost = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
      expect(lost).toHaveLength(1);
      expect(isServiceError(lost[0]) && lost[0].code).toBe("forbidden");
      const admins = await t.db.select().from(staffUsers).where(eq(staffUsers.role, "admin"));
      expect(admins).toHaveLength(1);
    }
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("the two remaining admins each stepping down at once leave one: the second sees the first's commit", async () => {
    for (let round = 0; round < 5; round++) {
      await t.db.delete(staffUsers);
      const a = await insertStaff(t.db, "admin", `a${round}@paydesk.test`);
      const b = await insertStaff(t.db, "admin", `b${round}@paydesk.test`);
      const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
      const settled = await Promise.allSettled([
        changeStaffRole(ctxFor(t.db, actorOf(a), { onStep: pause }), {
          staffId: a.id,
          role: "support",
          reason: "reorg",
        }),
        changeStaffRole(ctxFor(t.db, actorOf(b), { onStep: pause }), {
          staffId: b.id,
          role: "support",
          reason: "reorg",
        }),
      ]);
      const lost = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
      expect(lost).toHaveLength(1);
      expect((lost[0] as ServiceError).message).toMatch(/last enabled admin/);
      const admins = await t.db.select().from(staffUsers).where(eq(staffUsers.role, "admin"));
      expect(admins).toHaveLength(1);
    }
  });
});

describe("staff role on the CLI", () => {
  const cli = useCliProcess("paydesk-staff-role-");

  it("changes a role by email, and refuses to demote the last admin with one clear line", async () => {
    const root = await cli.cli([
      "staff",
      "create",
      "--email",
      "root@example.com",
      "--name",
      "Root",
      "--role",
      "admin",
    ]);
    expect(root.code, root.stderr).toBe(0);
    const agent = await cli.cli([
      "staff",
      "create",
      "--email",
      "agent@example.com",
      "--name",
      "Agent",
      "--role",
      "support",
      "--actor",
      "root@example.com",
    ]);
    expect(agent.code, agent.stderr).toBe(0);

    const changed = await cli.cli([
      "staff",
      "role",
      "agent@example.com",
      "--role",
      "auditor",
      "--reason",
      "moved to finance",
      "--actor",
      "root@example.com",
      "--json",
    ]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(lastJson(changed.stdout)).toMatchObject({
      email: "agent@example.com",
      role: "auditor",
      changed: true,
    });

    const last = await cli.cli([
      "staff",
      "role",
      "root@example.com",
      "--role",
      "support",
      "--reason",
      "leaving",
      "--actor",
      "root@example.com",
    ]);
    expect(last.code).not.toBe(0);
    expect(last.stderr.trim()).toMatch(/^error: .*last enabled admin/);
    expect(last.stderr).not.toMatch(/\n\s+at /);
    await cli.withDb(async (db) => {
      const entries = await db.select().from(auditLog).where(eq(auditLog.action, "staff.role_change"));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        via: "cli",
        reason: "moved to finance",
        after: { role: "auditor" },
      });
    });
  }, 300_000);
});
