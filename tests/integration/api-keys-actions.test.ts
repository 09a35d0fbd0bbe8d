import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiKeyAction, revokeApiKeyAction } from "@/app/(admin)/settings/api-keys/actions";
import { apiKeys, auditLog, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { createApiKey } from "@/lib/api-keys/create";
import { hashApiKey } from "@/lib/api-keys/secret";
import type { Actor } from "@/lib/context";
import { currentModuleMock, resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor, insertStaff } from "../support/fixtures";

// The request seams of a server action: who is signed in, and Next's cache. The wrapper,
// the permission map, the schema and the service verbs are the real ones.
vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

type Caller = StaffRole | "nobody" | "disabled admin";

/** ARCHITECTURE.md's roles table: "manage … API keys" is admin only. */
const EXPECTED: Record<Caller, "ok" | "forbidden" | "unauthenticated"> = {
  admin: "ok",
  support: "forbidden",
  auditor: "forbidden",
  nobody: "unauthenticated",
  "disabled admin": "unauthenticated",
};

describe("API key actions, per role", () => {
  let t: TestDatabase;
  const ids = {} as Record<Exclude<Caller, "nobody">, string>;
  let target: string;

  beforeAll(async () => {
    t = await freshDatabase();
    ids.admin = (await insertStaff(t.db, "admin", "admin@paydesk.test")).id;
    ids.support = (await insertStaff(t.db, "support", "support@paydesk.test")).id;
    ids.auditor = (await insertStaff(t.db, "auditor", "auditor@paydesk.test")).id;
    const gone = await insertStaff(t.db, "admin", "gone@paydesk.test");
    await t.db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, gone.id));
    ids["disabled admin"] = gone.id;
    useActionDb(t.db);
  });
  afterAll(async () => {
    resetActionSession();
    await t.close();
  });

  beforeEach(async () => {
    const [admin] = await t.db.select().from(staffUsers).where(eq(staffUsers.id, ids.admin));
    const actor: Actor = {
      type: "staff",
      id: admin!.id,
      email: admin!.email,
      name: admin!.name,
      role: "admin",
    };
    target = (await createApiKey(ctxFor(t.db, actor), { name: "Target" })).id;
    currentModuleMock.currentActor.mockClear();
  });

  async function written() {
    return {
      keys: JSON.stringify(await t.db.select().from(apiKeys).orderBy(apiKeys.id)),
      audit: await t.db.$count(auditLog),
    };
  }

  for (const caller of Object.keys(EXPECTED) as Caller[]) {
    it(`${caller}: create ${EXPECTED[caller] === "ok" ? "allowed" : "refused"}`, async () => {
      signInAs(caller === "nobody" ? null : ids[caller]);
      const before = await written();
      const result = await createApiKeyAction({ name: `by ${caller}` });
      if (EXPECTED[caller] === "ok") {
        expect(result).toMatchObject({
          ok: true,
          data: { name: `by ${caller}`, key: expect.stringMatching(/^pdk_/) },
        });
        if (!result.ok) return;
        const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, result.data.id));
        expect(row).toMatchObject({ createdByStaffId: ids.admin, keyHash: hashApiKey(result.data.key) });
        expect((await written()).audit).toBe(before.audit + 1);
      } else {
        expect(result).toMatchObject({ ok: false, code: EXPECTED[caller] });
        expect(JSON.stringify(result)).not.toMatch(/pdk_/);
        expect(await written()).toEqual(before);
      }
    });

    it(`${caller}: revoke ${EXPECTED[caller] === "ok" ? "allowed" : "refused"}`, async () => {
      signInAs(caller === "nobody" ? null : ids[caller]);
      const before = await written();
      const result = await revokeApiKeyAction({ apiKeyId: target });
      if (EXPECTED[caller] === "ok") {
        expect(result).toMatchObject({ ok: true, data: { id: target, changed: true } });
        const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, target));
        expect(row!.revokedAt).not.toBeNull();
        expect(row!.revokedByStaffId).toBe(ids.admin);
      } else {
        expect(result).toMatchObject({ ok: false, code: EXPECTED[caller] });
        expect(await written()).toEqual(before);
      }
    });
  }

  it("shows field errors inline for a bad name, writing nothing", async () => {
    signInAs(ids.admin);
    const before = await written();
    for (const name of ["", "  ", "x".repeat(101)]) {
      const result = await createApiKeyAction({ name });
      expect(result).toMatchObject({ ok: false, code: "validation" });
      if (!result.ok) expect(result.fieldErrors.name?.length).toBeGreaterThan(0);
    }
    const bad = await revokeApiKeyAction({ apiKeyId: "nope" });
    expect(bad).toMatchObject({ ok: false, code: "validation" });
    const unknown = await revokeApiKeyAction({ apiKeyId: crypto.randomUUID() });
    expect(unknown).toMatchObject({ ok: false, code: "not_found" });
    expect(await written()).toEqual(before);
  });
});
