import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { changeOwnPasswordAction } from "@/app/(admin)/account/actions";
import { createPaymentAction } from "@/app/(admin)/payments/actions";
import { auditLog, staffUsers } from "@/db/schema";
import type { Actor } from "@/lib/context";
import { ServiceError } from "@/lib/errors";
import { changeOwnPassword } from "@/lib/staff/change-password";
import { createStaff } from "@/lib/staff/create";
import { resetStaffPassword } from "@/lib/staff/manage";
import { verifyPassword } from "@/lib/staff/password";
import { resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

const SETUP: Actor = { type: "system", id: "system:bootstrap" };

async function account(t: TestDatabase, email: string) {
  const [row] = await t.db.select().from(staffUsers).where(eq(staffUsers.email, email));
  return row!;
}

describe("one-time passwords", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
    useActionDb(t.db);
  });
  afterAll(async () => {
    resetActionSession();
    await t.close();
  });

  it("a generated password must be replaced; a chosen one need not", async () => {
    const generated = await createStaff(ctxFor(t.db, SETUP), {
      email: "otp@paydesk.test",
      name: "Otto",
      role: "support",
    });
    expect(generated.oneTimePassword).toBeTruthy();
    expect((await account(t, "otp@paydesk.test")).mustChangePassword).toBe(true);
    await createStaff(ctxFor(t.db, SETUP), {
      email: "chosen@paydesk.test",
      name: "Chosen",
      role: "admin",
      password: "a-password-I-chose",
    });
    expect((await account(t, "chosen@paydesk.test")).mustChangePassword).toBe(false);
  });

  it("until it is replaced, every action but the password change is refused and writes nothing", async () => {
    const { user, oneTimePassword } = await createStaff(ctxFor(t.db, SETUP), {
      email: "otp-admin@paydesk.test",
      name: "New Admin",
      role: "admin",
    });
    signInAs(user.id);
    const before = await t.db.select().from(auditLog);
    const refused = await createPaymentAction({
      customer: "nobody@example.com",
      amount: "1.00",
      currency: "RUB",
      reason: "should not run",
    });
    expect(refused).toMatchObject({ ok: false, code: "forbidden" });
    expect(refused.ok || refused.message).toMatch(/one-time password/);
    expect(await t.db.select().from(auditLog)).toHaveLength(before.length);

    const changed = await changeOwnPasswordAction({
      currentPassword: oneTimePassword!,
      newPassword: "my-own-password-1",
      confirmPassword: "my-own-password-1",
    });
    expect(changed).toEqual({ ok: true, data: { changed: true } });
    const row = await account(t, "otp-admin@paydesk.test");
    expect(row.mustChangePassword).toBe(false);
    expect(await verifyPassword(row.passwordHash, "my-own-password-1")).toBe(true);
    expect(await verifyPassword(row.passwordHash, oneTimePassword!)).toBe(false);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "staff.password_change"), eq(auditLog.entityId, user.id)));
    expect(entry?.after).toEqual({ mustChangePassword: false });
    expect(JSON.stringify(entry)).not.toContain("my-own-password-1");

    // Now the account may act (the refusal is a normal validation error, not the OTP gate).
    const next = await createPaymentAction({
      customer: "nobody@example.com",
      amount: "1.00",
      currency: "RUB",
      reason: "now allowed",
    });
    expect(next).toMatchObject({ ok: false, code: "validation" });
  });

  it("refuses a wrong current password, a mismatch and reusing the current one, writing nothing", async () => {
    const { user, oneTimePassword } = await createStaff(ctxFor(t.db, SETUP), {
      email: "careful@paydesk.test",
      name: "Careful",
      role: "auditor",
    });
    const ctx = ctxFor(t.db, {
      type: "staff",
      id: user.id,
      email: user.email,
      name: user.name,
      role: "auditor",
    });
    const hashBefore = (await account(t, "careful@paydesk.test")).passwordHash;
    const cases: Array<[Parameters<typeof changeOwnPassword>[1], string]> = [
      [
        {
          currentPassword: "wrong-password",
          newPassword: "brand-new-pass-1",
          confirmPassword: "brand-new-pass-1",
        },
        "currentPassword",
      ],
      [
        {
          currentPassword: oneTimePassword!,
          newPassword: "brand-new-pass-1",
          confirmPassword: "brand-new-pass-2",
        },
        "confirmPassword",
      ],
      [
        {
          currentPassword: oneTimePassword!,
          newPassword: oneTimePassword!,
          confirmPassword: oneTimePassword!,
        },
        "newPassword",
      ],
      [{ currentPassword: oneTimePassword!, newPassword: "short", confirmPassword: "short" }, "newPassword"],
    ];
    for (const [input, field] of cases) {
      const err = await changeOwnPassword(ctx, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).fieldErrors[field]).toBeTruthy();
    }
    const row = await account(t, "careful@paydesk.test");
    expect(row.passwordHash).toBe(hashBefore);
    expect(row.mustChangePassword).toBe(true);
  });

  it("a reset password must be replaced again", async () => {
    const { user } = await createStaff(ctxFor(t.db, SETUP), {
      email: "reset-me@paydesk.test",
      name: "Reset",
      role: "support",
      password: "chosen-password-1",
    });
    expect((await account(t, "reset-me@paydesk.test")).mustChangePassword).toBe(false);
    await resetStaffPassword(ctxFor(t.db, SETUP), { staffId: user.id });
    expect((await account(t, "reset-me@paydesk.test")).mustChangePassword).toBe(true);
  });
});
