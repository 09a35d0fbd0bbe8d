import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { backend, freshDatabase, type TestDatabase } from "./db";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
/** How a test runs the CLI: node and the launcher, exactly as `npm run cli` does. */
export const CLI_COMMAND = process.execPath;
export const CLI_ARGS = [path.join(ROOT, "lib/cli/launch.mjs")];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliProcessOptions {
  /** Extra environment for every CLI process, over the defaults (e.g. `WEBHOOK_ALLOW_PRIVATE: ""`). */
  env?: Record<string, string | undefined>;
  /** How long one CLI process may run, in ms (default 60 s). */
  timeout?: number;
  /** Pool size of this process's own handle on the PostgreSQL database (default 1). */
  max?: number;
}

export interface CliProcess {
  /** Runs `node lib/cli/launch.mjs …args` with `input` (or nothing) on stdin; never throws on a non-zero exit. */
  cli(args: string[], input?: string): Promise<CliResult>;
  /** The CLI processes' environment (set up in `beforeAll`). */
  env(): NodeJS.ProcessEnv;
  /** The CLI's database, opened in this process while no CLI call runs (PGlite is one process at a time). */
  withDb<T>(fn: (db: DatabaseHandle["db"]) => Promise<T>): Promise<T>;
}

/**
 * The CLI end to end, as a separate process against a temporary database of its own: a PGlite
 * DATA_DIR under a fresh temporary directory, or on PostgreSQL a fresh database. Registers its own
 * `beforeAll`/`afterAll`, so call it inside the `describe` before any hook that uses it.
 */
export function useCliProcess(prefix: string, options: CliProcessOptions = {}): CliProcess {
  const timeout = options.timeout ?? 60_000;
  let env: NodeJS.ProcessEnv | undefined;
  let tmp: string | undefined;
  let pg: TestDatabase | null = null;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    env = {
      ...process.env,
      DATABASE_URL: "",
      DATA_DIR: path.join(tmp, "data"),
      SEED_DEMO: "",
      ...options.env,
    };
    if (backend === "postgres") {
      pg = await freshDatabase({ max: options.max ?? 1 });
      env.DATABASE_URL = pg.url;
    }
  });
  afterAll(async () => {
    await pg?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  function currentEnv(): NodeJS.ProcessEnv {
    if (!env) throw new Error("useCliProcess: env() is only available once beforeAll has run");
    return env;
  }

  async function cli(args: string[], input?: string): Promise<CliResult> {
    try {
      const child = run(CLI_COMMAND, [...CLI_ARGS, ...args], { cwd: ROOT, env: currentEnv(), timeout });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      } else {
        child.child.stdin?.end();
      }
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === "number" ? e.code : -1,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
      };
    }
  }

  async function withDb<T>(fn: (db: DatabaseHandle["db"]) => Promise<T>): Promise<T> {
    if (pg) return fn(pg.db);
    const handle = await openDatabase({ dataDir: currentEnv().DATA_DIR! });
    try {
      await migrateDatabase(handle);
      return await fn(handle.db);
    } finally {
      await handle.close();
    }
  }

  return { cli, env: currentEnv, withDb };
}

/** The last line of a CLI's stdout, parsed as JSON (`--json` output). */
export function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "{}");
}

/** One clear line on stderr, no stack trace, and a non-zero exit. */
export function oneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
