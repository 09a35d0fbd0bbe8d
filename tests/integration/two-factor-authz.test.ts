import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  confirmEnrolmentAction,
  disableTwoFactorAction,
  regenerateRecoveryCodesAction,
  startEnrolmentAction,
} from "@/app/(admin)/account/security/actions";
import type { Db } from "@/db/client";
import { roleSecuritySettings, staffRecoveryCodes, staffTwoFactor, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import type { ActionResult } from "@/lib/auth/action";
import { sealTotpSecret } from "@/lib/auth/two-factor/secret-box";
import { newTotpSecret, totpCodeAt } from "@/lib/auth/two-factor/totp";
import { createStaff } from "@/lib/staff/create";
import { currentModuleMock, resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { ctxFor } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

const PASSWORD = "staff-password-1";
const SECRET = newTotpSecret();

type Caller = StaffRole | "nobody" | "disabled admin";
const CALLERS: readonly Caller[] = ["admin", "support", "auditor", "nobody", "disabled admin"];
type FactorState = "none" | "pending" | "enabled";
type AnyAction = (raw: never) => Promise<ActionResult<unknown>>;

/** Every role manages its own second factor (ARCHITECTURE.md: "/account/security (two-factor)"). */
const ACTIONS: {
  name: string;
  action: AnyAction;
  state: FactorState;
  input: () => unknown;
  data: unknown;
}[] = [
  {
    name: "startEnrolmentAction",
    action: startEnrolmentAction as AnyAction,
    state: "none",
    input: () => ({}),
    data: {
      secret: expect.any(String),
      uri: expect.stringMatching(/^otpauth:/),
      qrDataUrl: expect.stringMatching(/^data:image\/png/),
    },
  },
  {
    name: "confirmEnrolmentAction",
    action: confirmEnrolmentAction as AnyAction,
    state: "pending",
    input: () => ({ code: totpCodeAt(SECRET, new Date()) }),
    data: { recoveryCodes: expect.arrayContaining([expect.any(String)]) },
  },
  {
    name: "regenerateRecoveryCodesAction",
    action: regenerateRecoveryCodesAction as AnyAction,
    state: "enabled",
    input: () => ({ code: totpCodeAt(SECRET, new Date()) }),
    data: { recoveryCodes: expect.arrayContaining([expect.any(String)]) },
  },
  {
    name: "disableTwoFactorAction",
    action: disableTwoFactorAction as AnyAction,
    state: "enabled",
    input: () => ({ password: PASSWORD }),
    data: { disabled: true },
  },
];

async function factorRows(db: Db) {
  return JSON.stringify([
    await db.select().from(staffTwoFactor).orderBy(staffTwoFactor.staffId),
    await db.select().from(staffRecoveryCodes).orderBy(staffRecoveryCodes.id),
    await db.select().from(roleSecuritySettings).orderBy(roleSecuritySettings.role),
  ]);
}

describe("own second-factor actions × roles", () => {
  let t: TestDatabase;
  const ids = {} as Record<Exclude<Caller, "nobody">, string>;

  beforeAll(async () => {
    vi.stubEnv("AUTH_SECRET", "two-factor-authz-secret");
    t = await freshDatabase();
    useActionDb(t.db);
    const setup = ctxFor(t.db, { type: "system", id: "system:bootstrap" });
    for (const caller of ["admin", "support", "auditor", "disabled admin"] as const) {
      const role = caller === "disabled admin" ? "admin" : caller;
      const { user } = await createStaff(setup, {
        email: `${caller.replace(" ", "-")}@paydesk.test`,
        name: caller,
        role,
        password: PASSWORD,
      });
      ids[caller] = user.id;
    }
    await t.db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, ids["disabled admin"]));
  });
  afterAll(async () => {
    resetActionSession();
    vi.unstubAllEnvs();
    await t?.close();
  });

  /** Puts every account's second factor in the state the action starts from. */
  async function prepare(state: FactorState) {
    await t.db.delete(staffRecoveryCodes);
    await t.db.delete(staffTwoFactor);
    if (state === "none") return;
    for (const id of Object.values(ids)) {
      await t.db.insert(staffTwoFactor).values({
        staffId: id,
        secretCiphertext: sealTotpSecret(SECRET),
        enabledAt: state === "enabled" ? new Date() : null,
      });
    }
  }

  describe.each(ACTIONS)("$name", (spec) => {
    beforeEach(() => prepare(spec.state));
    it.each(CALLERS)("as %s", async (caller) => {
      signInAs(caller === "nobody" ? null : ids[caller]);
      const before = [await snapshot(t.db), await factorRows(t.db)];
      const result = await spec.action(spec.input() as never);
      expect(currentModuleMock.currentActor).toHaveBeenCalled();
      if (caller === "nobody" || caller === "disabled admin") {
        expect(result).toMatchObject({ ok: false, code: "unauthenticated" });
        expect([await snapshot(t.db), await factorRows(t.db)]).toEqual(before);
        return;
      }
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true, data: spec.data });
      expect(await factorRows(t.db)).not.toEqual(before[1]);
    });
  });

  it("a member whose role requires a factor may enrol, and do nothing else, until enrolled", async () => {
    await prepare("none");
    signInAs(ids.admin, { twoFactorGate: true });
    const start = await startEnrolmentAction({});
    expect(start).toMatchObject({ ok: true });
    const secret = start.ok ? start.data.secret : "";
    // Regenerating codes is not enrolment: refused with the reason.
    expect(await regenerateRecoveryCodesAction({ code: "123456" })).toMatchObject({
      ok: false,
      code: "forbidden",
      message: expect.stringMatching(/two-factor/i),
    });
    expect(await confirmEnrolmentAction({ code: totpCodeAt(secret, new Date()) })).toMatchObject({
      ok: true,
    });
    expect(await disableTwoFactorAction({ password: PASSWORD })).toMatchObject({ ok: true });
  });
});
