import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, endedSessions, staffUsers } from "@/db/schema";
import { actorForSession } from "@/lib/auth/session";
import { SESSION_MAX_MS } from "@/lib/auth/session-length";
import { recordSignOut } from "@/lib/auth/sign-in";
import type { Actor } from "@/lib/context";
import { resetStaffPassword, setStaffDisabled } from "@/lib/staff/manage";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor, insertStaff } from "../support/fixtures";

const SETUP: Actor = { type: "system", id: "system:bootstrap" };

describe("sessions end on the server", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t.close();
  });

  it("signing out ends that session, and only that one: a copy of its cookie is refused", async () => {
    const user = await insertStaff(t.db, "support");
    const here = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    const elsewhere = { signedInAt: Date.now() - 30_000, sessionId: randomUUID() };
    expect(await actorForSession(t.db, user.id, here)).toMatchObject({ id: user.id, role: "support" });

    await recordSignOut(t.db, user, here.sessionId, { ip: "10.0.0.1", userAgent: "test" });
    expect(await actorForSession(t.db, user.id, here)).toBeNull();
    expect(await actorForSession(t.db, user.id, elsewhere)).not.toBeNull();
    // Signing out twice (two tabs) is harmless.
    await recordSignOut(t.db, user, here.sessionId, { ip: "10.0.0.1", userAgent: "test" });

    const entries = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "staff.sign_out"), eq(auditLog.entityId, user.id)));
    expect(entries[0]).toMatchObject({ actorId: user.id, ip: "10.0.0.1", via: "web" });
  });

  it("records older than the longest session are pruned at the next sign-out", async () => {
    const user = await insertStaff(t.db, "auditor");
    const old = randomUUID();
    const long = new Date(Date.now() - SESSION_MAX_MS - 60_000);
    await recordSignOut(t.db, user, old, { ip: null, userAgent: null, now: long });
    await recordSignOut(t.db, user, randomUUID(), { ip: null, userAgent: null });
    const rows = await t.db.select().from(endedSessions).where(eq(endedSessions.sessionId, old));
    expect(rows).toEqual([]);
  });

  it("disabling an account ends its sessions for good; enabling it does not revive them", async () => {
    const user = await insertStaff(t.db, "auditor");
    const began = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    await setStaffDisabled(ctxFor(t.db, SETUP), { staffId: user.id, disabled: true });
    expect(await actorForSession(t.db, user.id, began)).toBeNull();
    await setStaffDisabled(ctxFor(t.db, SETUP), { staffId: user.id, disabled: false });
    expect(await actorForSession(t.db, user.id, began)).toBeNull();
    expect(
      await actorForSession(t.db, user.id, { signedInAt: Date.now() + 1, sessionId: randomUUID() }),
    ).not.toBeNull();
  });

  it("a password reset ends the sessions opened with the old password", async () => {
    const user = await insertStaff(t.db, "admin");
    const began = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    await resetStaffPassword(ctxFor(t.db, SETUP), { staffId: user.id });
    expect(await actorForSession(t.db, user.id, began)).toBeNull();
    const [row] = await t.db.select().from(staffUsers).where(eq(staffUsers.id, user.id));
    expect(row?.mustChangePassword).toBe(true);
  });

  it("the kept session (the one that changed its own password) outlives sessionsValidAfter; no other does", async () => {
    const user = await insertStaff(t.db, "support");
    const kept = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    const other = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    await t.db
      .update(staffUsers)
      .set({ sessionsValidAfter: new Date(), keptSessionId: kept.sessionId })
      .where(eq(staffUsers.id, user.id));
    expect(await actorForSession(t.db, user.id, kept)).toMatchObject({ id: user.id });
    expect(await actorForSession(t.db, user.id, other)).toBeNull();
    // Its copy signed out is still refused.
    await recordSignOut(t.db, user, kept.sessionId, { ip: null, userAgent: null });
    expect(await actorForSession(t.db, user.id, kept)).toBeNull();
  });
});
