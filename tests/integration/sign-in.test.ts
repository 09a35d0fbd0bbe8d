import { and, asc, eq, like, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditLog, rateLimits, staffUsers } from "@/db/schema";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { LOCKOUT_SECONDS, MAX_CONSECUTIVE_FAILURES, MAX_FAILURES_PER_ADDRESS } from "@/lib/auth/rate-limit";
import {
  SIGN_IN_MESSAGES,
  type SignInRequest,
  type SignInResult,
  signInWithPassword,
} from "@/lib/auth/sign-in";
import { captureLogs } from "@/lib/log/capture";
import { createStaff } from "@/lib/staff/create";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor } from "../support/fixtures";

const PASSWORD = "correct-horse-battery-staple";
const EMAIL = "pat@paydesk.test";
const MINUTE = 60_000;

async function staffAccount(db: Db, email = EMAIL, role: "admin" | "support" | "auditor" = "support") {
  const { user } = await createStaff(ctxFor(db, { type: "system", id: "system:bootstrap" }), {
    email,
    name: "Pat Doe",
    role,
    password: PASSWORD,
  });
  return user;
}

async function row(db: Db, id: string) {
  const [user] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
  return user!;
}

async function auditOf(db: Db, action: string, entityId?: string) {
  return db
    .select()
    .from(auditLog)
    .where(
      entityId
        ? and(eq(auditLog.action, action), eq(auditLog.entityId, entityId))
        : eq(auditLog.action, action),
    )
    .orderBy(asc(auditLog.occurredAt), asc(auditLog.chainSeq));
}

const codeOf = (r: SignInResult) => (r.ok ? "ok" : r.code);

describe("signInWithPassword", () => {
  let t: TestDatabase;
  let user: Awaited<ReturnType<typeof staffAccount>>;
  const start = new Date("2026-03-01T10:00:00.000Z");
  const at = (minutes: number, ip = "203.0.113.10"): SignInRequest => ({
    ip,
    userAgent: "vitest",
    now: new Date(start.getTime() + minutes * MINUTE),
  });
  const attempt = (password: string, req: SignInRequest, email = EMAIL) =>
    signInWithPassword(t.db, { email, password }, req);

  beforeEach(async () => {
    t = await freshDatabase();
    user = await staffAccount(t.db);
  });
  afterEach(async () => {
    await t?.close();
  });

  it("the right password signs in: lastLoginAt is set and staff.sign_in audited", async () => {
    const req = { ...at(0), requestId: "req-sign-in-1" };
    const result = await attempt(PASSWORD, req);
    expect(result).toStrictEqual({
      ok: true,
      user: { id: user.id, email: EMAIL, name: "Pat Doe", role: "support" },
    });
    const after = await row(t.db, user.id);
    expect(after.lastLoginAt?.toISOString()).toBe(start.toISOString());
    expect(after).toMatchObject({ failedLoginCount: 0, lockedUntil: null });

    const entries = await auditOf(t.db, "staff.sign_in", user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorType: "staff",
      actorId: user.id,
      actorEmail: EMAIL,
      entityType: "staff",
      ip: "203.0.113.10",
      userAgent: "vitest",
      requestId: "req-sign-in-1",
      after: { lastLoginAt: start.toISOString() },
    });
    expect(JSON.stringify(entries[0])).not.toContain(PASSWORD);
  });

  it("the email is matched case-insensitively and trimmed", async () => {
    expect(codeOf(await attempt(PASSWORD, at(0), "  PAT@Paydesk.TEST "))).toBe("ok");
  });

  it("a wrong password → invalid, counted and audited as staff.sign_in_failed", async () => {
    const result = await attempt("wrong-password", at(0));
    expect(result).toStrictEqual({ ok: false, code: "invalid" });
    expect((await row(t.db, user.id)).failedLoginCount).toBe(1);
    expect((await row(t.db, user.id)).lastLoginAt).toBeNull();
    const failed = await auditOf(t.db, "staff.sign_in_failed", user.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      after: { outcome: "invalid", failedLoginCount: 1 },
      ip: "203.0.113.10",
    });
    expect(JSON.stringify(failed[0])).not.toContain("wrong-password");
    expect(await auditOf(t.db, "staff.sign_in")).toHaveLength(0);
  });

  it("missing or malformed credentials → invalid", async () => {
    for (const raw of [
      {},
      { email: EMAIL },
      { email: EMAIL, password: "" },
      { email: 42, password: PASSWORD },
    ]) {
      expect(codeOf(await signInWithPassword(t.db, raw, at(0)))).toBe("invalid");
    }
  });

  it("5 consecutive failures lock the account for 15 minutes; locked even with the right password; then it works again", async () => {
    const codes: string[] = [];
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++)
      codes.push(codeOf(await attempt(`wrong-${i}`, at(i * 0.1))));
    expect(codes).toEqual(["invalid", "invalid", "invalid", "invalid", "locked"]);

    const lockedAt = at(0.4).now!;
    const locked = await row(t.db, user.id);
    expect(locked.lockedUntil?.getTime()).toBe(lockedAt.getTime() + LOCKOUT_SECONDS * 1000);
    expect(LOCKOUT_SECONDS).toBe(15 * 60);
    const lockOuts = await auditOf(t.db, "staff.lock_out", user.id);
    expect(lockOuts).toHaveLength(1);
    expect(lockOuts[0]).toMatchObject({ after: { lockedUntil: locked.lockedUntil!.toISOString() } });

    // While locked, even the right password is refused, and the refusal is audited.
    const during = await attempt(PASSWORD, at(10));
    expect(during).toMatchObject({ ok: false, code: "locked" });
    expect((await row(t.db, user.id)).lastLoginAt).toBeNull();
    const refusals = await auditOf(t.db, "staff.sign_in_failed", user.id);
    expect(refusals.map((e) => (e.after as { outcome: string }).outcome)).toEqual([
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "locked",
    ]);

    // 16 minutes after the lock: the right password works and the counter starts over.
    const later = at(16.4);
    expect(codeOf(await attempt(PASSWORD, later))).toBe("ok");
    expect(await row(t.db, user.id)).toMatchObject({
      failedLoginCount: 0,
      lockedUntil: null,
      lastLoginAt: later.now,
    });
    // A fresh budget of 5: four failures do not lock.
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES - 1; i++) {
      expect(codeOf(await attempt("wrong", at(17 + i * 0.1)))).toBe("invalid");
    }
    expect((await row(t.db, user.id)).lockedUntil).toBeNull();
  });

  it("a wrong password after the lock has passed starts a new count (it does not re-lock at once)", async () => {
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) await attempt("wrong", at(0));
    expect(codeOf(await attempt("wrong", at(16)))).toBe("invalid");
    expect((await row(t.db, user.id)).failedLoginCount).toBe(1);
  });

  it("a success in between resets the consecutive count", async () => {
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await attempt("wrong", at(0))));
    codes.push(codeOf(await attempt(PASSWORD, at(1))));
    expect((await row(t.db, user.id)).failedLoginCount).toBe(0);
    for (let i = 0; i < 4; i++) codes.push(codeOf(await attempt("wrong", at(2))));
    expect((await row(t.db, user.id)).lockedUntil).toBeNull();
    codes.push(codeOf(await attempt("wrong", at(3))));
    expect(codes).toEqual([...Array(4).fill("invalid"), "ok", ...Array(4).fill("invalid"), "locked"]);
  });

  it("an unknown email gets exactly the same answers, in the same sequence, as a known one", async () => {
    // Real time here: the unknown-email counter lives in rate_limits, on the wall clock.
    const now = new Date();
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES + 2; i++) {
      known.push(
        codeOf(
          await signInWithPassword(
            t.db,
            { email: EMAIL, password: "wrong" },
            { ip: "198.51.100.1", userAgent: null, now },
          ),
        ),
      );
      unknown.push(
        codeOf(
          await signInWithPassword(
            t.db,
            { email: "nobody@paydesk.test", password: "wrong" },
            { ip: "198.51.100.2", userAgent: null, now },
          ),
        ),
      );
    }
    expect(known).toEqual(["invalid", "invalid", "invalid", "invalid", "locked", "locked", "locked"]);
    expect(unknown).toEqual(known);
    // …and the right password of the known account, while locked, answers like any guess.
    expect(
      codeOf(
        await signInWithPassword(
          t.db,
          { email: EMAIL, password: PASSWORD },
          { ip: "198.51.100.1", userAgent: null, now },
        ),
      ),
    ).toBe("locked");

    // The unknown email's attempts are audited too, with a lock-out, but never as an account.
    const failed = await auditOf(t.db, "staff.sign_in_failed", "nobody@paydesk.test");
    expect(failed.map((e) => (e.after as { outcome: string }).outcome)).toEqual([
      ...Array(5).fill("invalid"),
      "locked",
      "locked",
    ]);
    expect(await auditOf(t.db, "staff.lock_out", "nobody@paydesk.test")).toHaveLength(1);
    const [count] = await t.db.select({ n: sql<number>`count(*)::int` }).from(staffUsers);
    expect(Number(count!.n)).toBe(1);
  });

  it("…and stays indistinguishable past the per-address budget (locked attempts spend it alike)", async () => {
    // One address guessing one email over and over: whether that address is eventually
    // answered `rate_limited` must not depend on whether the email has an account.
    const now = new Date();
    const rounds = MAX_FAILURES_PER_ADDRESS + 2;
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < rounds; i++) {
      known.push(
        codeOf(
          await signInWithPassword(
            t.db,
            { email: EMAIL, password: "wrong" },
            { ip: "198.51.100.11", userAgent: null, now },
          ),
        ),
      );
      unknown.push(
        codeOf(
          await signInWithPassword(
            t.db,
            { email: "nobody@paydesk.test", password: "wrong" },
            { ip: "198.51.100.12", userAgent: null, now },
          ),
        ),
      );
    }
    expect(unknown).toEqual(known);
  });

  it("an unknown email's lock is per email, case-insensitively", async () => {
    const now = new Date();
    const req = { ip: "198.51.100.3", userAgent: null, now };
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) {
      await signInWithPassword(t.db, { email: "Ghost@Paydesk.test", password: "x" }, req);
    }
    expect(codeOf(await signInWithPassword(t.db, { email: "ghost@paydesk.test", password: "x" }, req))).toBe(
      "locked",
    );
    expect(codeOf(await signInWithPassword(t.db, { email: "ghost2@paydesk.test", password: "x" }, req))).toBe(
      "invalid",
    );
  });

  it("a disabled account answers invalid to the right password and a wrong one alike, and counts both", async () => {
    await t.db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, user.id));
    expect(await attempt(PASSWORD, at(0))).toStrictEqual({ ok: false, code: "invalid" });
    expect(await attempt("wrong", at(0.1))).toStrictEqual({ ok: false, code: "invalid" });
    expect(SIGN_IN_MESSAGES).not.toHaveProperty("disabled");
    expect(Object.values(SIGN_IN_MESSAGES).join(" ")).not.toMatch(/disabled/i);
    const after = await row(t.db, user.id);
    expect(after.lastLoginAt).toBeNull();
    // The right password counted like a wrong one: the row mirrors two failures.
    expect(after.failedLoginCount).toBe(2);
    // Only the audit (for admins) tells the two apart.
    const outcomes = (await auditOf(t.db, "staff.sign_in_failed", user.id)).map(
      (e) => (e.after as { outcome: string }).outcome,
    );
    expect(outcomes).toEqual(["disabled", "invalid"]);
    expect(await auditOf(t.db, "staff.sign_in")).toHaveLength(0);
    // …and it locks on the fifth, right password or not, like any email.
    const codes: string[] = [];
    for (let i = 0; i < 3; i++)
      codes.push(codeOf(await attempt(i % 2 ? "wrong" : PASSWORD, at(0.2 + i * 0.1))));
    expect(codes).toEqual(["invalid", "invalid", "locked"]);
  });

  it("a timed sequence cannot tell a real account from an unknown email (failures expire alike)", async () => {
    const disabled = await staffAccount(t.db, "off@paydesk.test");
    await t.db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, disabled.id));
    // Each email on its own address, so only the email's own counter differs.
    const subjects = [
      { email: EMAIL, ip: "198.51.100.21" },
      { email: "nobody@paydesk.test", ip: "198.51.100.22" },
      { email: "off@paydesk.test", ip: "198.51.100.23" },
    ];
    // Three failures, a pause longer than the counting window, three more, a pause shorter
    // than the lock, and two more: with a counter that never expires for real accounts, the
    // real one locked at the fifth failure while the unknown one did not.
    const timeline = [0, 1, 2, 20, 21, 22, 23, 24, 30, 31, 50];
    // One clock for all three: at each moment, each email is tried once.
    const answers: string[][] = subjects.map(() => []);
    for (const minute of timeline) {
      for (const [i, { email, ip }] of subjects.entries()) {
        const result = await attempt("wrong", at(minute, ip), email);
        answers[i]!.push(
          `${codeOf(result)}${!result.ok && result.retryAfterSeconds ? `:${result.retryAfterSeconds}` : ""}`,
        );
      }
    }
    expect(answers[0]).toEqual([
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "locked",
      "locked",
      "locked",
      "invalid",
    ]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it("a lock held only on the account row (wrong second-factor codes) is told only to whoever knows the password", async () => {
    await t.db
      .update(staffUsers)
      .set({ lockedUntil: new Date(start.getTime() + 10 * MINUTE) })
      .where(eq(staffUsers.id, user.id));
    // A guess answers exactly like a guess at an unknown email…
    expect(await attempt("wrong", at(0))).toStrictEqual({ ok: false, code: "invalid" });
    expect(await attempt("wrong", at(0), "nobody@paydesk.test")).toStrictEqual({
      ok: false,
      code: "invalid",
    });
    // …and the right password does not lift the lock.
    expect(await attempt(PASSWORD, at(1))).toStrictEqual({ ok: false, code: "locked" });
    expect((await row(t.db, user.id)).lockedUntil?.getTime()).toBe(start.getTime() + 10 * MINUTE);
    expect(codeOf(await attempt(PASSWORD, at(11)))).toBe("ok");
  });

  it("a NUL byte in the email is invalid input: no query fails, no stack trace, and it counts against the address", async () => {
    const logs = captureLogs();
    try {
      const ip = "198.51.100.40";
      for (const email of ["pat\u0000@paydesk.test", "\u0000", `${EMAIL}\u0000`, "a\u0001b@x.y"]) {
        expect(await signInWithPassword(t.db, { email, password: PASSWORD }, at(0, ip))).toStrictEqual({
          ok: false,
          code: "invalid",
        });
      }
      const [counter] = await t.db
        .select()
        .from(rateLimits)
        .where(like(rateLimits.key, `%${ip}`));
      expect(counter?.points).toBe(4);
      // Refused like any failure once the address has spent its budget.
      for (let i = 4; i < MAX_FAILURES_PER_ADDRESS; i++) {
        await signInWithPassword(t.db, { email: "x\u0000", password: "p" }, at(0, ip));
      }
      expect(codeOf(await signInWithPassword(t.db, { email: EMAIL, password: PASSWORD }, at(0, ip)))).toBe(
        "rate_limited",
      );
      const errors = logs.lines().filter((l) => Number(l.level) >= 50 || "err" in l || "stack" in l);
      expect(errors).toEqual([]);
      expect((await row(t.db, user.id)).failedLoginCount).toBe(0);
    } finally {
      logs.restore();
    }
  });

  it(`after ${MAX_FAILURES_PER_ADDRESS} failures from one address (many emails) it is rate_limited, even with the right password; another address still signs in`, async () => {
    const now = new Date();
    const attacker = "192.0.2.66";
    const codes: string[] = [];
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) {
      // A few guesses at the real account (staying below its own lock), the rest at other emails.
      const email = i < MAX_CONSECUTIVE_FAILURES - 2 ? EMAIL : `guess-${i}@paydesk.test`;
      codes.push(
        codeOf(
          await signInWithPassword(
            t.db,
            { email, password: "wrong" },
            { ip: attacker, userAgent: null, now },
          ),
        ),
      );
    }
    expect(codes).toEqual(Array(MAX_FAILURES_PER_ADDRESS).fill("invalid"));

    const refused = await signInWithPassword(
      t.db,
      { email: EMAIL, password: PASSWORD },
      { ip: attacker, userAgent: null, now },
    );
    expect(refused).toMatchObject({ ok: false, code: "rate_limited" });
    expect(!refused.ok && refused.retryAfterSeconds).toBeGreaterThan(0);
    expect((await row(t.db, user.id)).lastLoginAt).toBeNull();

    expect(
      codeOf(
        await signInWithPassword(
          t.db,
          { email: EMAIL, password: PASSWORD },
          { ip: "192.0.2.67", userAgent: null, now },
        ),
      ),
    ).toBe("ok");

    // The budget lives in the database, shared by every app instance.
    const limits = await t.db
      .select()
      .from(rateLimits)
      .where(like(rateLimits.key, `%${attacker}%`));
    expect(limits).toHaveLength(1);
    expect(limits[0]!.points).toBeGreaterThanOrEqual(MAX_FAILURES_PER_ADDRESS);
    expect(limits[0]!.expire!.getTime()).toBeGreaterThan(Date.now());
    // Audited once, when the address ran out, not on every refused attempt.
    await signInWithPassword(
      t.db,
      { email: EMAIL, password: "wrong" },
      { ip: attacker, userAgent: null, now },
    );
    const audited = await auditOf(t.db, "auth.rate_limited", attacker);
    expect(audited).toHaveLength(1);
  });

  it("a rate-limited address does not count against the account it names", async () => {
    const now = new Date();
    const attacker = "192.0.2.77";
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) {
      await signInWithPassword(
        t.db,
        { email: `g${i}@paydesk.test`, password: "x" },
        { ip: attacker, userAgent: null, now },
      );
    }
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES + 1; i++) {
      expect(
        codeOf(
          await signInWithPassword(
            t.db,
            { email: EMAIL, password: "x" },
            { ip: attacker, userAgent: null, now },
          ),
        ),
      ).toBe("rate_limited");
    }
    expect(await row(t.db, user.id)).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
  });
});

// Parallel attempts need several real connections: PGlite has one, so PostgreSQL only.
describe.runIf(backend === "postgres")("signInWithPassword races on PostgreSQL", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase({ max: 12 });
  });
  afterEach(async () => {
    await t?.close();
  });

  it("10 concurrent wrong passwords on one account never record more than 5 failures before the lock", async () => {
    const user = await staffAccount(t.db);
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signInWithPassword(
          t.db,
          { email: EMAIL, password: `wrong-${i}` },
          { ip: `203.0.113.${i + 1}`, userAgent: null, now },
        ),
      ),
    );
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === "invalid").length).toBeLessThanOrEqual(MAX_CONSECUTIVE_FAILURES - 1);
    expect(codes.filter((c) => c === "locked").length).toBeGreaterThanOrEqual(
      10 - (MAX_CONSECUTIVE_FAILURES - 1),
    );
    expect(codes).not.toContain("ok");

    const after = await row(t.db, user.id);
    expect(after.lockedUntil?.getTime()).toBe(now.getTime() + LOCKOUT_SECONDS * 1000);
    const failed = await auditOf(t.db, "staff.sign_in_failed", user.id);
    const invalid = failed.filter((e) => (e.after as { outcome: string }).outcome === "invalid");
    expect(invalid.length).toBeLessThanOrEqual(MAX_CONSECUTIVE_FAILURES);
    expect(failed).toHaveLength(10);
    expect(await auditOf(t.db, "staff.lock_out", user.id)).toHaveLength(1);
    // Still locked for the right password.
    expect(
      codeOf(
        await signInWithPassword(
          t.db,
          { email: EMAIL, password: PASSWORD },
          { ip: "203.0.113.99", userAgent: null, now },
        ),
      ),
    ).toBe("locked");
  });
});

// Charged before evaluated: parallel attempts from one address cannot overrun its budget.
describe.runIf(backend === "postgres")("the per-address budget under parallel attempts on PostgreSQL", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase({ max: 16 });
  });
  afterEach(async () => {
    await t?.close();
  });

  it(`45 parallel attempts from one address: at most ${MAX_FAILURES_PER_ADDRESS} are evaluated`, async () => {
    const now = new Date();
    const ip = "192.0.2.45";
    const results = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        signInWithPassword(
          t.db,
          { email: `parallel-${i}@paydesk.test`, password: "wrong" },
          { ip, userAgent: null, now },
        ),
      ),
    );
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c !== "rate_limited")).toHaveLength(MAX_FAILURES_PER_ADDRESS);
    expect(codes.filter((c) => c === "rate_limited")).toHaveLength(45 - MAX_FAILURES_PER_ADDRESS);
    // Evaluated means looked at: one audited failure per evaluated attempt, no more.
    expect(await auditOf(t.db, "staff.sign_in_failed")).toHaveLength(MAX_FAILURES_PER_ADDRESS);
    expect(await auditOf(t.db, "auth.rate_limited", ip)).toHaveLength(1);
  });

  it("parallel attempts with a NUL byte are refused as invalid input and counted, never an error", async () => {
    const now = new Date();
    const ip = "192.0.2.46";
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        signInWithPassword(
          t.db,
          { email: `nul-${i}\u0000@paydesk.test`, password: "x" },
          { ip, userAgent: null, now },
        ),
      ),
    );
    expect(results.map(codeOf)).toEqual(Array(12).fill("invalid"));
    const [counter] = await t.db
      .select()
      .from(rateLimits)
      .where(like(rateLimits.key, `%${ip}`));
    expect(counter?.points).toBe(12);
  });
});

describe("safeCallbackUrl", () => {
  it.each([
    ["/payments?x=1", "/payments?x=1"],
    ["/payments/abc#timeline", "/payments/abc#timeline"],
    ["/", "/"],
    ["https://evil.example", "/"],
    ["http://paydesk.invalid/payments", "/"],
    ["//evil.example", "/"],
    ["//evil.example/payments", "/"],
    ["/\\evil", "/"],
    ["/\\/evil.example", "/"],
    ["/\t/evil.example", "/"],
    ["javascript:alert(1)", "/"],
    ["JavaScript:alert(1)", "/"],
    ["/login?callbackUrl=/x", "/"],
    ["/login", "/"],
    ["/./login", "/"],
    ["/payments/../login", "/"],
    ["", "/"],
    ["payments", "/"],
  ])("%j → %j", (input, expected) => {
    expect(safeCallbackUrl(input)).toBe(expected);
  });

  it.each([undefined, null, 42, ["/payments"], { href: "/payments" }])("non-string %j → /", (input) => {
    expect(safeCallbackUrl(input)).toBe("/");
  });
});
