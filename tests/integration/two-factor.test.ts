import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startEnrolmentAction } from "@/app/(admin)/account/security/actions";
import { setRoleRequirementAction } from "@/app/(admin)/settings/security/actions";
import type { Db } from "@/db/client";
import { auditLog, signInChallenges, staffRecoveryCodes, staffTwoFactor, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { actorForSession } from "@/lib/auth/session";
import type { SignInRequest } from "@/lib/auth/sign-in";
import { resetStaffTwoFactor } from "@/lib/auth/two-factor/admin-reset";
import { type AuthorizeOutcome, authorizeCredentials } from "@/lib/auth/two-factor/authorize";
import {
  confirmEnrolment,
  disableOwnTwoFactor,
  regenerateRecoveryCodes,
  startEnrolment,
} from "@/lib/auth/two-factor/own-factor";
import { setRoleRequirement } from "@/lib/auth/two-factor/role-settings";
import { challengeFromCode } from "@/lib/auth/two-factor/sign-in-step";
import { twoFactorStatus } from "@/lib/auth/two-factor/status";
import { totpCodeAt } from "@/lib/auth/two-factor/totp";
import type { Actor } from "@/lib/context";
import { createStaff } from "@/lib/staff/create";
import { resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

const PASSWORD = "correct-horse-battery-staple";
const SECOND = 1000;
// Near the real clock (the sign-in rate limiter keeps its own time), at the start of a TOTP step.
const T0 = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 2 * SECOND);
const at = (seconds: number) => new Date(T0.getTime() + seconds * SECOND);

beforeAll(() => {
  process.env.AUTH_SECRET ||= "two-factor-integration-test-secret";
});

type Staff = { id: string; email: string; name: string; role: StaffRole };

async function account(
  db: Db,
  role: StaffRole = "support",
  email = `${role}-${randomUUID().slice(0, 6)}@paydesk.test`,
) {
  const { user } = await createStaff(ctxFor(db, { type: "system", id: "system:bootstrap" }), {
    email,
    name: `Test ${role}`,
    role,
    password: PASSWORD,
  });
  return user as Staff;
}

const actorOf = (u: Staff): Actor => ({
  type: "staff",
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
});

/** Enrols at `now`: the code of that step is then spent. */
async function enrol(db: Db, user: Staff, now = T0) {
  const ctx = ctxFor(db, actorOf(user), { via: "web", now: () => now });
  const started = await startEnrolment(ctx);
  const { recoveryCodes } = await confirmEnrolment(ctx, { code: totpCodeAt(started.secret, now) });
  return { secret: started.secret, recoveryCodes };
}

const request = (now: Date, ip = "198.51.100.7"): SignInRequest => ({ ip, userAgent: "vitest", now });

function challengeOf(outcome: AuthorizeOutcome): string {
  expect(outcome.ok).toBe(false);
  const id = outcome.ok ? null : challengeFromCode(outcome.code);
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id!;
}

async function audits(db: Db, action: string, entityId: string) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)))
    .orderBy(asc(auditLog.occurredAt), asc(auditLog.chainSeq));
}

async function staffRow(db: Db, id: string) {
  const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
  return row!;
}

describe("two-factor sign-in", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    resetActionSession();
    await t.close();
  });

  it("never gives an enrolled account a session for its password alone; only a valid code does", async () => {
    const user = await account(t.db);
    const { secret } = await enrol(t.db, user);
    const password = (now: Date) =>
      authorizeCredentials(t.db, { email: user.email, password: PASSWORD }, request(now));

    const challenge = challengeOf(await password(at(60)));
    // The password alone signs nobody in: one challenge entry, no `staff.sign_in`, no last login.
    expect(await audits(t.db, "staff.sign_in", user.id)).toHaveLength(0);
    expect(await audits(t.db, "staff.sign_in_challenge", user.id)).toHaveLength(1);
    expect((await staffRow(t.db, user.id))?.lastLoginAt).toBeNull();
    const [row] = await t.db.select().from(signInChallenges).where(eq(signInChallenges.id, challenge));
    expect(row).toMatchObject({ staffId: user.id, usedAt: null, failedAttempts: 0 });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(5 * 60 * SECOND);

    // A wrong code, no code, or the password again alongside the challenge: no session.
    const wrong = totpCodeAt(secret, at(3600));
    expect(await authorizeCredentials(t.db, { challenge, code: wrong }, request(at(61)))).toEqual({
      ok: false,
      code: "invalid_code",
    });
    expect((await authorizeCredentials(t.db, { challenge }, request(at(61)))).ok).toBe(false);
    expect(
      (
        await authorizeCredentials(
          t.db,
          { email: user.email, password: PASSWORD, challenge, code: "" },
          request(at(61)),
        )
      ).ok,
    ).toBe(false);
    expect(
      (
        await authorizeCredentials(
          t.db,
          { challenge: randomUUID(), code: totpCodeAt(secret, at(61)) },
          request(at(61)),
        )
      ).ok,
    ).toBe(false);

    const good = totpCodeAt(secret, at(61));
    const signedIn = await authorizeCredentials(t.db, { challenge, code: good }, request(at(61)));
    expect(signedIn).toEqual({
      ok: true,
      user: { id: user.id, email: user.email, name: user.name, role: "support" },
    });
    const signIns = await audits(t.db, "staff.sign_in", user.id);
    expect(signIns).toHaveLength(1);
    expect(signIns[0]!.after).toMatchObject({ secondFactor: "totp" });

    // The challenge is spent, and the code cannot be replayed on a new one.
    expect(
      await authorizeCredentials(t.db, { challenge, code: totpCodeAt(secret, at(91)) }, request(at(91))),
    ).toEqual({
      ok: false,
      code: "expired",
    });
    const again = challengeOf(await password(at(62)));
    expect(await authorizeCredentials(t.db, { challenge: again, code: good }, request(at(62)))).toEqual({
      ok: false,
      code: "invalid_code",
    });
    expect(
      (
        await authorizeCredentials(
          t.db,
          { challenge: again, code: totpCodeAt(secret, at(92)) },
          request(at(92)),
        )
      ).ok,
    ).toBe(true);
  });

  it("lets a challenge expire after five minutes", async () => {
    const user = await account(t.db);
    const { secret } = await enrol(t.db, user);
    const challenge = challengeOf(
      await authorizeCredentials(t.db, { email: user.email, password: PASSWORD }, request(at(30))),
    );
    expect(
      await authorizeCredentials(t.db, { challenge, code: totpCodeAt(secret, at(331)) }, request(at(331))),
    ).toEqual({ ok: false, code: "expired" });
  });

  it("counts wrong codes toward the account's lock-out, across challenges too", async () => {
    const user = await account(t.db);
    const { secret } = await enrol(t.db, user);
    const wrong = totpCodeAt(secret, at(7200));
    const password = (now: Date) =>
      authorizeCredentials(t.db, { email: user.email, password: PASSWORD }, request(now));

    // Four wrong codes, then a fresh password (which resets the password counter): the fifth
    // wrong code, on the new challenge, still locks.
    const first = challengeOf(await password(at(60)));
    for (let i = 0; i < 4; i++) {
      expect(
        await authorizeCredentials(t.db, { challenge: first, code: wrong }, request(at(61 + i))),
      ).toEqual({
        ok: false,
        code: "invalid_code",
      });
    }
    expect((await staffRow(t.db, user.id)).failedLoginCount).toBe(4);
    const second = challengeOf(await password(at(70)));
    expect(await authorizeCredentials(t.db, { challenge: second, code: wrong }, request(at(71)))).toEqual({
      ok: false,
      code: "locked",
    });
    const locked = await staffRow(t.db, user.id);
    expect(locked.lockedUntil?.getTime()).toBe(at(71).getTime() + 15 * 60 * SECOND);

    // Locked: even the right code is refused, and so is the password.
    expect(
      (
        await authorizeCredentials(
          t.db,
          { challenge: second, code: totpCodeAt(secret, at(72)) },
          request(at(72)),
        )
      ).ok,
    ).toBe(false);
    expect(await password(at(73))).toEqual({ ok: false, code: "locked" });

    const failures = await audits(t.db, "staff.sign_in_failed", user.id);
    expect(failures.filter((f) => (f.after as { outcome?: string }).outcome === "invalid_code")).toHaveLength(
      5,
    );
    expect(await audits(t.db, "staff.lock_out", user.id)).toHaveLength(1);
  });

  it("accepts each recovery code once", async () => {
    const user = await account(t.db);
    const { recoveryCodes } = await enrol(t.db, user);
    expect(recoveryCodes).toHaveLength(10);
    const code = recoveryCodes[3]!;
    const password = (now: Date) =>
      authorizeCredentials(t.db, { email: user.email, password: PASSWORD }, request(now));

    const first = challengeOf(await password(at(60)));
    // A recovery code is not a TOTP code: it must be sent as one.
    expect((await authorizeCredentials(t.db, { challenge: first, code }, request(at(60)))).ok).toBe(false);
    const ok = await authorizeCredentials(
      t.db,
      { challenge: first, code: code.toUpperCase(), method: "recovery_code" },
      request(at(61)),
    );
    expect(ok.ok).toBe(true);
    const [entry] = (await audits(t.db, "staff.sign_in", user.id)).slice(-1);
    expect(entry!.after).toMatchObject({ secondFactor: "recovery_code" });

    const second = challengeOf(await password(at(62)));
    expect(
      await authorizeCredentials(t.db, { challenge: second, code, method: "recovery_code" }, request(at(62))),
    ).toEqual({ ok: false, code: "invalid_code" });
    expect((await twoFactorStatus(t.db, user.id, user.role)).recoveryCodesLeft).toBe(9);
  });

  it("stores the secret encrypted and the recovery codes hashed", async () => {
    const user = await account(t.db);
    const { secret, recoveryCodes } = await enrol(t.db, user);
    const [factor] = await t.db.select().from(staffTwoFactor).where(eq(staffTwoFactor.staffId, user.id));
    expect(factor!.secretCiphertext).not.toContain(secret);
    const hashes = await t.db
      .select()
      .from(staffRecoveryCodes)
      .where(eq(staffRecoveryCodes.staffId, user.id));
    expect(hashes).toHaveLength(10);
    for (const h of hashes)
      for (const c of recoveryCodes) expect(h.codeHash).not.toContain(c.replace("-", ""));
    expect(await audits(t.db, "staff.two_factor_enrol", user.id)).toHaveLength(1);
  });

  it("refuses a wrong enrolment code, and regenerating or turning off needs a current code or the password", async () => {
    const user = await account(t.db);
    const ctx = (now: Date) => ctxFor(t.db, actorOf(user), { via: "web", now: () => now });
    const started = await startEnrolment(ctx(T0));
    await expect(
      confirmEnrolment(ctx(T0), { code: totpCodeAt(started.secret, at(600)) }),
    ).rejects.toMatchObject({
      code: "validation",
    });
    expect((await twoFactorStatus(t.db, user.id, user.role)).enrolled).toBe(false);
    await confirmEnrolment(ctx(T0), { code: totpCodeAt(started.secret, T0) });

    await expect(regenerateRecoveryCodes(ctx(at(30)), { code: "123" })).rejects.toMatchObject({
      code: "validation",
    });
    const { recoveryCodes } = await regenerateRecoveryCodes(ctx(at(30)), {
      code: totpCodeAt(started.secret, at(30)),
    });
    expect(recoveryCodes).toHaveLength(10);

    await expect(disableOwnTwoFactor(ctx(at(60)), { password: "not-the-password" })).rejects.toMatchObject({
      code: "validation",
    });
    await expect(disableOwnTwoFactor(ctx(at(60)), {})).rejects.toMatchObject({ code: "validation" });
    await disableOwnTwoFactor(ctx(at(60)), { password: PASSWORD });
    expect((await twoFactorStatus(t.db, user.id, user.role)).enrolled).toBe(false);
    expect(await audits(t.db, "staff.two_factor_disable", user.id)).toHaveLength(1);
    // The password alone signs in again.
    expect(
      (await authorizeCredentials(t.db, { email: user.email, password: PASSWORD }, request(at(90)))).ok,
    ).toBe(true);
  });

  it("lets an admin reset another member's second factor: audited, ends their sessions", async () => {
    const admin = await account(t.db, "admin");
    const support = await account(t.db, "support");
    const user = await account(t.db, "support");
    const { secret } = await enrol(t.db, user);
    const session = { signedInAt: at(10).getTime(), sessionId: randomUUID() };
    await t.db.update(staffUsers).set({ keptSessionId: session.sessionId }).where(eq(staffUsers.id, user.id));
    expect(await actorForSession(t.db, user.id, session)).not.toBeNull();
    const open = challengeOf(
      await authorizeCredentials(t.db, { email: user.email, password: PASSWORD }, request(at(20))),
    );

    const adminCtx = ctxFor(t.db, actorOf(admin), { via: "web", now: () => at(30) });
    await expect(
      resetStaffTwoFactor(ctxFor(t.db, actorOf(support), { now: () => at(30) }), {
        staffId: user.id,
        reason: "lost phone",
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(resetStaffTwoFactor(adminCtx, { staffId: admin.id, reason: "mine" })).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(resetStaffTwoFactor(adminCtx, { staffId: user.id, reason: "" })).rejects.toMatchObject({
      code: "validation",
    });
    expect((await twoFactorStatus(t.db, user.id, user.role)).enrolled).toBe(true);

    await resetStaffTwoFactor(adminCtx, { staffId: user.id, reason: "lost phone" });
    expect(await actorForSession(t.db, user.id, session)).toBeNull();
    const row = await staffRow(t.db, user.id);
    expect(row.keptSessionId).toBeNull();
    expect(row.sessionsValidAfter?.getTime()).toBe(at(30).getTime());
    expect((await twoFactorStatus(t.db, user.id, user.role)).enrolled).toBe(false);
    const [entry] = await audits(t.db, "staff.two_factor_reset", user.id);
    expect(entry).toMatchObject({ actorId: admin.id, reason: "lost phone" });
    // The sign-in that was waiting for a code is dead too.
    expect(
      await authorizeCredentials(
        t.db,
        { challenge: open, code: totpCodeAt(secret, at(31)) },
        request(at(31)),
      ),
    ).toEqual({ ok: false, code: "expired" });
  });

  it("requires a second factor per role: an unenrolled member may only enrol", async () => {
    const admin = await account(t.db, "admin");
    useActionDb(t.db);
    // The migration's default: admins must use a second factor. The password step gives a
    // session, but one that can only enrol.
    expect(
      (await authorizeCredentials(t.db, { email: admin.email, password: PASSWORD }, request(at(5)))).ok,
    ).toBe(true);
    expect(await actorForSession(t.db, admin.id)).toMatchObject({ mustEnrolTwoFactor: true });
    signInAs(admin.id, { twoFactorGate: true });
    const refused = await setRoleRequirementAction({ role: "support", requireTwoFactor: true });
    expect(refused).toMatchObject({
      ok: false,
      code: "forbidden",
      message: expect.stringMatching(/two-factor/i),
    });
    const start = await startEnrolmentAction({});
    expect(start).toMatchObject({ ok: true, data: { secret: expect.any(String) } });
    await confirmEnrolment(ctxFor(t.db, actorOf(admin), { now: () => T0 }), {
      code: totpCodeAt(start.ok ? start.data.secret : "", T0),
    });
    expect(await actorForSession(t.db, admin.id)).toMatchObject({ mustEnrolTwoFactor: false });

    const support = await account(t.db, "support");
    expect(await actorForSession(t.db, support.id)).toMatchObject({ mustEnrolTwoFactor: false });
    expect(await setRoleRequirementAction({ role: "support", requireTwoFactor: true })).toMatchObject({
      ok: true,
      data: { role: "support", requireTwoFactor: true, changed: true },
    });
    expect(await actorForSession(t.db, support.id)).toMatchObject({ mustEnrolTwoFactor: true });
    const [entry] = await audits(t.db, "security.settings_update", "support");
    expect(entry).toMatchObject({
      actorId: admin.id,
      before: { requireTwoFactor: false },
      after: { requireTwoFactor: true },
    });
    await expect(
      setRoleRequirement(ctxFor(t.db, actorOf(support)), { role: "support", requireTwoFactor: false }),
    ).rejects.toMatchObject({ code: "forbidden" });
  });
});
