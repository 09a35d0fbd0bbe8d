import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "@/db/client";
import { auditLog, plans, roleSecuritySettings, staffTwoFactor, staffUsers } from "@/db/schema";
import { confirmEnrolment, startEnrolment } from "@/lib/auth/two-factor/own-factor";
import { roleRequiresTwoFactor } from "@/lib/auth/two-factor/status";
import { totpCodeAt } from "@/lib/auth/two-factor/totp";
import { seedDemo } from "@/lib/seed/demo";
import { seedDatabase, wantsDemoData } from "@/lib/seed/seed";
import { createFirstAdmin, needsFirstAdmin, SETUP_DONE } from "@/lib/staff/first-admin";
import { lastJson, oneLineError, useCliProcess } from "../support/cli";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor } from "../support/fixtures";

const PASSWORD = "first-admin-password-1";
const first = {
  email: "owner@example.com",
  name: "Olga Owner",
  password: PASSWORD,
  confirmPassword: PASSWORD,
};

describe("demo data only for npm run dev and SEED_DEMO=1 (defect 4)", () => {
  const embedded = { kind: "pglite" } as DatabaseHandle;
  const server = { kind: "postgres" } as DatabaseHandle;

  it("is not seeded by a production start, embedded or not", () => {
    expect(wantsDemoData(embedded, { NODE_ENV: "production" })).toBe(false);
    expect(wantsDemoData(server, { NODE_ENV: "production" })).toBe(false);
    expect(wantsDemoData(embedded, {} as NodeJS.ProcessEnv)).toBe(false);
  });

  it("is seeded by next dev on the embedded database, and anywhere with SEED_DEMO=1", () => {
    expect(wantsDemoData(embedded, { NODE_ENV: "development" })).toBe(true);
    expect(wantsDemoData(server, { NODE_ENV: "development" })).toBe(false);
    expect(wantsDemoData(embedded, { NODE_ENV: "production", SEED_DEMO: "1" })).toBe(true);
    expect(wantsDemoData(server, { NODE_ENV: "production", SEED_DEMO: "1" })).toBe(true);
  });

  describe("on a database", () => {
    let t: TestDatabase;
    beforeEach(async () => {
      t = await freshDatabase();
    });
    afterEach(async () => {
      vi.unstubAllEnvs();
      await t.close();
    });

    it("a production start seeds the plans and no staff: the first-run page is open", async () => {
      vi.stubEnv("NODE_ENV", "production");
      vi.stubEnv("SEED_DEMO", "");
      const result = await seedDatabase(t);
      expect(result.demo).toBeNull();
      expect(await t.db.select().from(staffUsers)).toHaveLength(0);
      expect((await t.db.select().from(plans)).length).toBeGreaterThan(0);
      expect(await needsFirstAdmin(t.db)).toBe(true);
      // Admins must use a second factor in every database without demo data.
      expect(await roleRequiresTwoFactor(t.db, "admin")).toBe(true);
    });

    it("the demo seed lets the demo admin sign in with a password alone", async () => {
      await seedDemo(t.db, "paydesk-demo");
      const [admin] = await t.db
        .select()
        .from(roleSecuritySettings)
        .where(eq(roleSecuritySettings.role, "admin"));
      expect(admin?.requireTwoFactor).toBe(false);
    });
  });
});

describe("the first admin (/setup)", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("refuses bad input and writes nothing", async () => {
    await expect(
      createFirstAdmin(t.db, { ...first, confirmPassword: "something-else-1" }),
    ).rejects.toMatchObject({
      code: "validation",
      fieldErrors: { confirmPassword: ["The two passwords differ"] },
    });
    await expect(
      createFirstAdmin(t.db, { ...first, password: "short", confirmPassword: "short" }),
    ).rejects.toMatchObject({
      code: "validation",
    });
    await expect(createFirstAdmin(t.db, { ...first, email: "not-an-email" })).rejects.toMatchObject({
      code: "validation",
    });
    expect(await t.db.select().from(staffUsers)).toHaveLength(0);
    expect(await t.db.select().from(auditLog)).toHaveLength(0);
  });

  it("creates one admin, audited, and then never again", async () => {
    const { user } = await createFirstAdmin(t.db, first, { ip: "192.0.2.1", userAgent: "vitest" });
    expect(user).toMatchObject({ email: first.email, role: "admin", mustChangePassword: false });
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entityId, user.id));
    expect(entry).toMatchObject({ action: "staff.create", actorId: "system:bootstrap", ip: "192.0.2.1" });
    expect(await needsFirstAdmin(t.db)).toBe(false);
    await expect(createFirstAdmin(t.db, { ...first, email: "second@example.com" })).rejects.toMatchObject({
      code: "conflict",
      message: SETUP_DONE,
    });
    expect(await t.db.select().from(staffUsers)).toHaveLength(1);
  });

  it.skipIf(backend === "pglite")("two browsers at once create one admin (PostgreSQL)", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        createFirstAdmin(t.db, { ...first, email: `owner${i}@example.com` }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "conflict" });
    }
    expect(await t.db.select().from(staffUsers)).toHaveLength(1);
  });
});

describe("the CLI: first admin and staff reset-2fa", () => {
  const { cli, withDb } = useCliProcess("paydesk-first-run-", {
    env: { AUTH_SECRET: "first-run-cli-secret" },
  });

  it("creates the first admin with staff create, and resets another member's second factor", async () => {
    process.env.AUTH_SECRET ||= "first-run-cli-secret";
    const created = await cli(
      [
        "staff",
        "create",
        "--email",
        "root@example.com",
        "--name",
        "Root",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
      ],
      `${PASSWORD}\n`,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(lastJson(created.stdout)).toMatchObject({ user: { email: "root@example.com", role: "admin" } });
    const member = await cli([
      "staff",
      "create",
      "--email",
      "sam@example.com",
      "--name",
      "Sam",
      "--role",
      "support",
      "--actor",
      "root@example.com",
      "--json",
    ]);
    expect(member.code, member.stderr).toBe(0);
    const samId = (lastJson(member.stdout).user as { id: string }).id;

    // Sam enrols (in the service, as the web page would).
    await withDb(async (db) => {
      const now = new Date();
      const ctx = ctxFor(
        db,
        { type: "staff", id: samId, email: "sam@example.com", name: "Sam", role: "support" },
        { now: () => now },
      );
      const { secret } = await startEnrolment(ctx);
      await confirmEnrolment(ctx, { code: totpCodeAt(secret, now) });
    });

    oneLineError(
      await cli(["staff", "reset-2fa", "sam@example.com", "--actor", "root@example.com"]),
      /reason/,
    );
    oneLineError(
      await cli([
        "staff",
        "reset-2fa",
        "nobody@example.com",
        "--reason",
        "lost phone",
        "--actor",
        "root@example.com",
      ]),
      /No staff account/,
    );
    const reset = await cli([
      "staff",
      "reset-2fa",
      "sam@example.com",
      "--reason",
      "lost phone",
      "--actor",
      "root@example.com",
      "--json",
    ]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(lastJson(reset.stdout)).toMatchObject({ staffId: samId, hadFactor: true });
    await withDb(async (db) => {
      expect(await db.select().from(staffTwoFactor).where(eq(staffTwoFactor.staffId, samId))).toHaveLength(0);
      const [entry] = await db.select().from(auditLog).where(eq(auditLog.action, "staff.two_factor_reset"));
      expect(entry).toMatchObject({ entityId: samId, reason: "lost phone", via: "cli" });
    });
  }, 300_000);
});
