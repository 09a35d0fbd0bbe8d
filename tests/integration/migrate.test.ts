import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { EmbeddedDatabaseLockedError } from "@/db/embedded-lock";
import { MIGRATION_LOCK_KEY } from "@/db/migrate";
import { customers } from "@/db/schema";
import { backend, databaseUrl, testDatabaseUrl } from "../support/db";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HOLDER = path.join(ROOT, "tests/support/hold-embedded-db.ts");
const JOURNAL = JSON.parse(fs.readFileSync(path.join(ROOT, "db/migrations/meta/_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};
/** The advisory lock key db/migrate.ts serialises migrators with (only used to force contention). */

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: this one's, without any database selection of its own. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  return { ...env, ...extra };
}

function collect(child: ChildProcess): { done: Promise<Finished>; output: () => string } {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, output: () => `stdout:\n${stdout}\nstderr:\n${stderr}` };
}

/** `npx tsx lib/cli/db-migrate.ts`, as `npm run db:migrate` runs it. */
function runMigrateCli(env: Record<string, string>) {
  const child = spawn("npx", ["tsx", "lib/cli/db-migrate.ts"], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { child, ...collect(child) };
}

describe.runIf(backend === "postgres")("migrations on PostgreSQL", () => {
  const base = backend === "postgres" ? testDatabaseUrl() : "";
  const name = `paydesk_t_migrate_${process.pid}_${randomUUID().slice(0, 8)}`;
  const url = databaseUrl(base || "postgres://localhost/x", name);

  beforeAll(async () => {
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database "${name}"`);
    } finally {
      await admin.end();
    }
  });

  afterAll(async () => {
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end();
    }
  });

  it("two instances migrating one empty database at once both succeed, applying each migration once", async () => {
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // Hold the migrators' lock so both children are certainly inside migrate at the same time.
      await db`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      const runs = [runMigrateCli({ DATABASE_URL: url }), runMigrateCli({ DATABASE_URL: url })];
      let exited = 0;
      for (const r of runs) void r.done.finally(() => exited++);
      try {
        const deadline = Date.now() + 45_000;
        for (;;) {
          const [row] = await db<{ n: number }[]>`
            select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
            where l.locktype = 'advisory' and not l.granted and d.datname = ${name}`;
          // Both waiting on the lock; or (if the lock key ever changes) give up forcing it.
          if (Number(row?.n) >= 2 || exited > 0 || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await db`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      }
      const results = await Promise.all(runs.map((r) => r.done));
      results.forEach((result, i) => {
        expect(result.code, `migrator ${i + 1} failed:\n${runs[i]!.output()}`).toBe(0);
        expect(result.stdout).toMatch(/Migrations applied/);
      });

      const applied = await db<{ hash: string; n: number }[]>`
        select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
      expect(applied).toHaveLength(JOURNAL.entries.length);
      for (const row of applied) expect(Number(row.n)).toBe(1);
      const [rows] = await db<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(Number(rows?.n)).toBe(JOURNAL.entries.length);

      // The schema is all there, including the append-only guard (once).
      const [triggers] = await db<{ n: number }[]>`
        select count(*)::int as n from pg_trigger where tgname in ('audit_log_no_update_delete', 'audit_log_no_truncate')`;
      expect(Number(triggers?.n)).toBe(2);
      const [tables] = await db<{ n: number }[]>`
        select count(*)::int as n from information_schema.tables
        where table_schema = 'public' and table_name in ('payments', 'audit_log', 'subscription_grants')`;
      expect(Number(tables?.n)).toBe(3);

      // A third run later finds nothing to do.
      const again = runMigrateCli({ DATABASE_URL: url });
      expect((await again.done).code, again.output()).toBe(0);
      const [after] = await db<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(Number(after?.n)).toBe(JOURNAL.entries.length);
    } finally {
      await db.end({ timeout: 5 });
    }
  }, 120_000);
});

/** Starts `hold-embedded-db.ts` (one node process: its pid is the lock holder's). */
function startHolder(dataDir: string, email: string) {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, dataDir, email], {
    cwd: ROOT,
    env: childEnv({}),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const { done, output } = collect(child);
  const ready = new Promise<number>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
      const m = /ready (\d+)/.exec(seen);
      if (m) resolve(Number(m[1]));
    });
    void done.then((f) => reject(new Error(`holder exited before it was ready (${f.code}):\n${output()}`)));
  });
  return { child, done, ready, output };
}

async function openingFails(dataDir: string) {
  const started = Date.now();
  const err = await openDatabase({ dataDir }).then(
    async (handle) => {
      await handle.close();
      return null;
    },
    (e: unknown) => e,
  );
  return { err, ms: Date.now() - started };
}

describe.runIf(backend === "pglite")("embedded database lock", () => {
  let tmp: string;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paydesk-lock-"));
    dataDir = path.join(tmp, "data");
  });

  afterAll(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("a second opener fails fast naming the holder; after a clean exit nothing is lost", async () => {
    const holder = startHolder(dataDir, "held@example.com");
    children.push(holder.child);
    const pid = await holder.ready;
    expect(pid).toBe(holder.child.pid);

    const { err, ms } = await openingFails(dataDir);
    expect(err).toBeInstanceOf(EmbeddedDatabaseLockedError);
    expect(ms).toBeLessThan(5_000);
    const message = (err as Error).message;
    expect(message).toContain(`process ${pid}`);
    expect(message).toContain(dataDir);
    expect(message).toMatch(/stop that process/i);
    expect(message).toContain("DATABASE_URL");

    // The migrate command refuses the same way: one clear line, non-zero, no stack trace.
    const cli = runMigrateCli({ DATA_DIR: dataDir });
    const cliResult = await cli.done;
    expect(cliResult.code, cli.output()).not.toBe(0);
    expect(cliResult.stderr).toContain(`process ${pid}`);
    expect(cliResult.stderr).toMatch(/stop that process/i);
    expect(cliResult.stderr).not.toMatch(/\n\s+at /);
    expect(cliResult.stdout).not.toMatch(/Migrations applied/);

    // The holder is unharmed by the attempts and shuts down cleanly.
    holder.child.stdin?.end();
    const finished = await holder.done;
    expect(finished.code, holder.output()).toBe(0);
    expect(finished.stdout).toContain("closed");

    const handle = await openDatabase({ dataDir });
    try {
      const rows = await handle.db.select().from(customers).where(eq(customers.email, "held@example.com"));
      expect(rows).toHaveLength(1);
    } finally {
      await handle.close();
    }
    // And the command works once the database is free.
    const free = runMigrateCli({ DATA_DIR: dataDir });
    expect((await free.done).code, free.output()).toBe(0);
  }, 120_000);

  it("a holder killed with SIGKILL leaves a stale lock that the next opener takes over at once", async () => {
    const holder = startHolder(dataDir, "crashed@example.com");
    children.push(holder.child);
    const pid = await holder.ready;
    expect(pid).toBe(holder.child.pid);
    expect((await openingFails(dataDir)).err).toBeInstanceOf(EmbeddedDatabaseLockedError);

    holder.child.kill("SIGKILL");
    const finished = await holder.done;
    expect(finished.signal).toBe("SIGKILL");
    // The crashed holder could not release its lock…
    expect(fs.existsSync(path.join(dataDir, "paydesk.lock"))).toBe(true);

    // …but it is dead, so its lock protects nobody: opening succeeds without waiting for staleness.
    const started = Date.now();
    const handle = await openDatabase({ dataDir });
    try {
      expect(Date.now() - started).toBeLessThan(30_000);
      const emails = (await handle.db.select({ email: customers.email }).from(customers)).map((r) => r.email);
      expect(emails).toContain("held@example.com");
      expect(emails).toContain("crashed@example.com");
      // The new holder owns the lock now.
      const owner = JSON.parse(fs.readFileSync(path.join(dataDir, "lock-owner.json"), "utf8")) as {
        pid: number;
      };
      expect(owner.pid).toBe(process.pid);
    } finally {
      await handle.close();
    }
  }, 120_000);
});
