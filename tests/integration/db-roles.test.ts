import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { grantAppRole } from "@/db/roles";
import { auditLog, payments } from "@/db/schema";
import { writeCheckpoint } from "@/lib/audit/checkpoint";
import { verifyAuditChain } from "@/lib/audit/verify";
import { createPayment } from "@/lib/payments/create";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

// Roles and privileges exist on real PostgreSQL only (PGlite runs everything as its superuser).
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe.skipIf(backend !== "postgres")("the app's database role (issue 12, defect 8)", () => {
  let owner: TestDatabase;
  let app: DatabaseHandle;
  let raw: postgres.Sql;
  const role = `paydesk_app_${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  let appUrl: string;

  beforeAll(async () => {
    owner = await freshDatabase({ max: 2 });
    await owner.sql!.unsafe(`create role "${role}" login password '${password}'`);
    const u = new URL(owner.url!);
    u.username = role;
    u.password = password;
    appUrl = u.toString();

    // The documented deploy step: `npm run db:migrate` as the owner, naming the app's role.
    const { stdout } = await run(path.join(ROOT, "node_modules/.bin/tsx"), ["lib/cli/db-migrate.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: appUrl,
        MIGRATION_DATABASE_URL: owner.url,
        APP_DATABASE_ROLE: role,
      },
      timeout: 60_000,
    });
    expect(stdout).toContain(`Granted the app's privileges to role ${role}`);

    app = await openDatabase({ url: appUrl, max: 2 });
    raw = postgres(appUrl, { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await raw?.end();
    await app?.close();
    await owner?.close();
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop role if exists "${role}"`);
    } finally {
      await admin.end();
    }
  });

  it("starts: nothing to migrate, so the app role never needs owner rights", async () => {
    await expect(migrateDatabase(app)).resolves.toBeUndefined();
  });

  it("says what to do when a migration is pending and the app role cannot apply it", async () => {
    // Pretend the newest migration is not applied yet (restored below).
    const [last] = await owner.sql!<{ id: number; hash: string; created_at: string }[]>`
      select id, hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
    await owner.sql!`delete from drizzle.__drizzle_migrations where id = ${last!.id}`;
    try {
      await expect(migrateDatabase(app)).rejects.toThrow(
        /cannot migrate: this database role does not own the tables .*MIGRATION_DATABASE_URL/,
      );
    } finally {
      await owner.sql!`insert into drizzle.__drizzle_migrations (id, hash, created_at)
        values (${last!.id}, ${last!.hash}, ${last!.created_at})`;
    }
    await expect(migrateDatabase(app)).resolves.toBeUndefined();
    // With the owner's URL beside it (MIGRATION_DATABASE_URL at start), the app migrates through that.
    await expect(migrateDatabase(app, { url: owner.url })).resolves.toBeUndefined();
  });

  it("runs the service as the app role: customers, payments, their audit entries, a checkpoint", async () => {
    const { ctx, customer } = await baseline(app.db);
    const { payment } = await createPayment(ctx, {
      customer: customer.id,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      status: "succeeded",
      method: "bank_transfer",
      reason: "bank transfer arrived",
    });
    const [stored] = await app.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(stored?.status).toBe("succeeded");
    const entries = await app.db.select().from(auditLog).where(eq(auditLog.entityId, payment.id));
    expect(entries.length).toBeGreaterThan(0);

    const written = await writeCheckpoint(app.db, { key: { id: "test:k", key: Buffer.from("k") } });
    expect(written.written).toBe(true);
  });

  it.each([
    ["delete from audit_log", /permission denied for table audit_log/],
    ["update audit_log set reason = 'rewritten'", /permission denied for table audit_log/],
    ["truncate audit_log", /permission denied for table audit_log/],
    ["alter table audit_log disable trigger all", /must be owner of table audit_log/],
    ["drop trigger audit_log_no_update_delete on audit_log", /must be owner of (table|relation) audit_log/],
    ["drop table audit_log", /must be owner of table audit_log/],
    ["delete from audit_checkpoints", /permission denied for table audit_checkpoints/],
    ["update audit_checkpoints set signature = 'forged'", /permission denied for table audit_checkpoints/],
    ["truncate audit_checkpoints", /permission denied for table audit_checkpoints/],
  ])("refuses %s as the app role", async (statement, message) => {
    const err = await raw.unsafe(statement).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err, `${statement} went through`).not.toBeNull();
    expect(err?.code).toBe("42501");
    // Not the trigger's own refusal: the role has no right to ask in the first place.
    expect(err?.message).toMatch(message);
    const result = await verifyAuditChain(app.db);
    expect(result.firstBroken).toBeNull();
  });

  it("grants idempotently and refuses a role that would keep the owner's rights", async () => {
    await grantAppRole(owner.sql!, role);
    await grantAppRole(owner.sql!, role);
    const [privs] = await owner.sql!<
      { ins: boolean; sel: boolean; upd: boolean; del: boolean; trunc: boolean }[]
    >`
      select has_table_privilege(${role}, 'audit_log', 'INSERT') as ins,
             has_table_privilege(${role}, 'audit_log', 'SELECT') as sel,
             has_table_privilege(${role}, 'audit_log', 'UPDATE') as upd,
             has_table_privilege(${role}, 'audit_log', 'DELETE') as del,
             has_table_privilege(${role}, 'audit_log', 'TRUNCATE') as trunc`;
    expect(privs).toEqual({ ins: true, sel: true, upd: false, del: false, trunc: false });
    const [current] = await owner.sql!<{ name: string }[]>`select current_user as name`;
    await expect(grantAppRole(owner.sql!, current!.name)).rejects.toThrow(/migration role itself|superuser/);
    await expect(grantAppRole(owner.sql!, `missing_${role}`)).rejects.toThrow(/does not exist/);
  });
});
