import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditLog, staffUsers } from "@/db/schema";
import { LOCKOUT_SECONDS, MAX_CONSECUTIVE_FAILURES } from "@/lib/auth/rate-limit";
import { actorForSession } from "@/lib/auth/session";
import { signInWithPassword } from "@/lib/auth/sign-in";
import type { Actor } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { changeOwnPassword, PASSWORD_CHANGE_LOCKED_MESSAGE } from "@/lib/staff/change-password";
import { createStaff } from "@/lib/staff/create";
import { resetStaffPassword, setStaffDisabled } from "@/lib/staff/manage";
import { verifyPassword } from "@/lib/staff/password";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor } from "../support/fixtures";

const SETUP: Actor = { type: "system", id: "system:bootstrap" };
const OLD = "the-old-password-1";
const NEW = "a-brand-new-password-2";
const EMAIL = "kim@paydesk.test";
const MINUTE = 60_000;

describe("changing your own password", () => {
  let t: TestDatabase;
  let actor: Extract<Actor, { type: "staff" }>;
  beforeEach(async () => {
    t = await freshDatabase();
    const { user } = await createStaff(ctxFor(t.db, SETUP), {
      email: EMAIL,
      name: "Kim",
      role: "support",
      password: OLD,
    });
    actor = { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
  });
  afterEach(async () => {
    await t?.close();
  });

  const row = async () => (await t.db.select().from(staffUsers).where(eq(staffUsers.id, actor.id)))[0]!;
  const audits = (action: string) =>
    t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.entityId, actor.id)))
      .orderBy(asc(auditLog.occurredAt), asc(auditLog.chainSeq));
  const change = (currentPassword: string, sessionId: string | null, now = new Date()) =>
    changeOwnPassword(
      ctxFor(t.db, actor, { via: "web", now: () => now }),
      { currentPassword, newPassword: NEW, confirmPassword: NEW },
      { sessionId },
    );
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => (isServiceError(e) ? { code: e.code, message: e.message, fields: e.fieldErrors } : e),
    );

  it("ends every other session of the account and keeps the one that made the change", async () => {
    const here = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    const elsewhere = { signedInAt: Date.now() - 30_000, sessionId: randomUUID() };
    expect(await actorForSession(t.db, actor.id, elsewhere)).not.toBeNull();

    await change(OLD, here.sessionId);

    expect(await actorForSession(t.db, actor.id, here)).toMatchObject({ id: actor.id });
    expect(await actorForSession(t.db, actor.id, elsewhere)).toBeNull();
    // A sign-in after the change (with the new password) is a new session and works.
    expect(
      await actorForSession(t.db, actor.id, { signedInAt: Date.now() + 1, sessionId: randomUUID() }),
    ).not.toBeNull();
    const after = await row();
    expect(after.keptSessionId).toBe(here.sessionId);
    expect(await verifyPassword(after.passwordHash, NEW)).toBe(true);
    expect(after.sessionsValidAfter).not.toBeNull();
    expect(await audits("staff.password_change")).toHaveLength(1);
  });

  it("without a session id (no browser session) every session ends", async () => {
    const here = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    await change(OLD, null);
    expect(await actorForSession(t.db, actor.id, here)).toBeNull();
  });

  it("the kept session ends like any other when an admin later disables the account or resets its password", async () => {
    const here = { signedInAt: Date.now() - 60_000, sessionId: randomUUID() };
    await change(OLD, here.sessionId);
    await resetStaffPassword(ctxFor(t.db, SETUP), { staffId: actor.id });
    expect((await row()).keptSessionId).toBeNull();
    expect(await actorForSession(t.db, actor.id, here)).toBeNull();

    const again = { signedInAt: Date.now() + 5, sessionId: randomUUID() };
    await t.db.update(staffUsers).set({ keptSessionId: again.sessionId }).where(eq(staffUsers.id, actor.id));
    await setStaffDisabled(ctxFor(t.db, SETUP), { staffId: actor.id, disabled: true });
    expect((await row()).keptSessionId).toBeNull();
    await setStaffDisabled(ctxFor(t.db, SETUP), { staffId: actor.id, disabled: false });
    await t.db
      .update(staffUsers)
      .set({ sessionsValidAfter: new Date(Date.now() + 60_000) })
      .where(eq(staffUsers.id, actor.id));
    expect(await actorForSession(t.db, actor.id, again)).toBeNull();
  });

  it("wrong current passwords count towards the sign-in lock-out; when locked the change is refused", async () => {
    const start = new Date("2026-04-01T09:00:00.000Z");
    const at = (minutes: number) => new Date(start.getTime() + minutes * MINUTE);
    // Two failed sign-ins, then wrong current passwords: the fifth failure in all locks.
    for (let i = 0; i < 2; i++) {
      await signInWithPassword(
        t.db,
        { email: EMAIL, password: "nope" },
        { ip: "198.51.100.5", userAgent: null, now: at(i) },
      );
    }
    const answers: unknown[] = [];
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES - 2; i++) {
      answers.push(await refusal(change(`wrong-${i}`, randomUUID(), at(2 + i))));
    }
    expect(answers.slice(0, 2)).toEqual([
      expect.objectContaining({
        code: "validation",
        fields: { currentPassword: ["The current password is not right"] },
      }),
      expect.objectContaining({ code: "validation" }),
    ]);
    expect(answers[2]).toEqual(
      expect.objectContaining({ code: "forbidden", message: PASSWORD_CHANGE_LOCKED_MESSAGE }),
    );
    const locked = await row();
    expect(locked.lockedUntil?.getTime()).toBe(at(4).getTime() + LOCKOUT_SECONDS * 1000);
    const lockOuts = await audits("staff.lock_out");
    expect(lockOuts).toHaveLength(1);
    expect(await audits("staff.password_change_failed")).toHaveLength(3);

    // Locked: even the right current password changes nothing, and sign-in is locked too.
    expect(await refusal(change(OLD, randomUUID(), at(5)))).toEqual(
      expect.objectContaining({ code: "forbidden", message: PASSWORD_CHANGE_LOCKED_MESSAGE }),
    );
    expect(await verifyPassword((await row()).passwordHash, OLD)).toBe(true);
    expect(
      await signInWithPassword(
        t.db,
        { email: EMAIL, password: OLD },
        { ip: "198.51.100.6", userAgent: null, now: at(6) },
      ),
    ).toMatchObject({ ok: false, code: "locked" });

    // After the lock: the change works and the count starts over.
    await change(OLD, randomUUID(), at(20));
    expect(await row()).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
    expect(await verifyPassword((await row()).passwordHash, NEW)).toBe(true);
  });

  it("guessing the current password without limit is not possible: the sixth guess is refused unchecked", async () => {
    const now = new Date();
    const codes: string[] = [];
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES + 2; i++) {
      const r = await refusal(change(`guess-${i}`, randomUUID(), now));
      codes.push((r as { code: string }).code);
    }
    expect(codes).toEqual([
      "validation",
      "validation",
      "validation",
      "validation",
      "forbidden",
      "forbidden",
      "forbidden",
    ]);
    expect(await audits("staff.password_change_failed")).toHaveLength(MAX_CONSECUTIVE_FAILURES);
  });
});
