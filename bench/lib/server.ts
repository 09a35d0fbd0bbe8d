/**
 * The production server for the HTTP parts of the benches: `npm start` on a free port
 * against the bench database, a bench admin, and next-auth's credentials sign-in.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { sql as dsql } from "drizzle-orm";
import type { DatabaseHandle } from "@/db/client";
import { roleSecuritySettings, staffUsers } from "@/db/schema";
import { systemContext } from "@/lib/context";
import { createStaff } from "@/lib/staff/create";
import { hashPassword } from "@/lib/staff/password";

export const BENCH_ADMIN_EMAIL = "bench-admin@paydesk.test";
/** Known so that a later run (and a person) can sign in as the bench admin; bench databases only. */
export const BENCH_ADMIN_PASSWORD = "bench-list-password-1";

/** A production build in the working directory, which `npm start` serves. */
export function hasProductionBuild(): boolean {
  return existsSync(path.resolve(".next/BUILD_ID"));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class CookieJar {
  private cookies = new Map<string, string>();
  take(res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  has(prefix: string): boolean {
    return [...this.cookies.keys()].some((k) => k.startsWith(prefix));
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** The bench admin with the known password, created or (from an earlier run) made usable again. */
export async function ensureBenchAdmin(handle: DatabaseHandle): Promise<"created" | "reused"> {
  // The bench database is the bench's own: its admin signs in with a password alone, as the
  // benches measure what comes after sign-in. A real deployment keeps its role requirement.
  await handle.db
    .update(roleSecuritySettings)
    .set({ requireTwoFactor: false, updatedBy: "bench" })
    .where(dsql`${roleSecuritySettings.role} = 'admin'`);
  const [existing] = await handle.db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(dsql`lower(${staffUsers.email}) = ${BENCH_ADMIN_EMAIL}`);
  if (!existing) {
    await createStaff(systemContext(handle.db, "system:bootstrap"), {
      email: BENCH_ADMIN_EMAIL,
      name: "Bench Admin",
      role: "admin",
      password: BENCH_ADMIN_PASSWORD,
    });
    return "created";
  }
  await handle.db
    .update(staffUsers)
    .set({
      passwordHash: await hashPassword(BENCH_ADMIN_PASSWORD),
      role: "admin",
      disabled: false,
      failedLoginCount: 0,
      lockedUntil: null,
    })
    .where(dsql`${staffUsers.id} = ${existing.id}`);
  return "reused";
}

export interface Server {
  child: ChildProcess;
  log: () => string;
}

/**
 * Paydesk's production server (what `npm start` runs: lib/http/start.ts, Next behind Paydesk's
 * own HTTP server) in its own process group, against `databaseUrl`, with a fresh AUTH_SECRET.
 * One process: node with tsx's loader, not the tsx CLI (which would serve from a child).
 * With BENCH_PROFILE_DIR set it runs under `node --cpu-prof`, and the profile is written there
 * when the bench stops the server: for finding where the time goes.
 */
export function startServer(port: number, databaseUrl: string): Server {
  const profileDir = process.env.BENCH_PROFILE_DIR ? path.resolve(process.env.BENCH_PROFILE_DIR) : null;
  const args = ["--import", "tsx", path.resolve("lib/http/start.ts")];
  let output = "";
  const child = spawn(
    process.execPath,
    profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, ...args] : args,
    {
      detached: true, // its own process group, so that stopping it stops anything it started
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        AUTH_TRUST_HOST: "1",
        PORT: String(port),
      },
    },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, log: () => output };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup("SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
  if ((await Promise.race([exited, timer])) === "timeout") {
    signalGroup("SIGKILL");
    await exited;
  }
}

export async function waitForHealth(base: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`/api/health did not answer 200 within ${timeoutMs / 1000} s (${last})`);
}

export type SignIn = { ok: true; jar: CookieJar } | { ok: false; problem: string };

/** next-auth's credentials flow (csrf token, then the callback) as the bench admin. */
export async function signIn(base: string, callbackPath = "/"): Promise<SignIn> {
  const jar = new CookieJar();
  const csrf = await fetch(`${base}/api/auth/csrf`, { redirect: "manual" });
  jar.take(csrf);
  if (csrf.status !== 200) return { ok: false, problem: `GET /api/auth/csrf answered ${csrf.status}` };
  const { csrfToken } = (await csrf.json()) as { csrfToken?: string };
  if (!csrfToken) return { ok: false, problem: "GET /api/auth/csrf gave no csrfToken" };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({
      csrfToken,
      email: BENCH_ADMIN_EMAIL,
      password: BENCH_ADMIN_PASSWORD,
      callbackUrl: `${base}${callbackPath}`,
    }),
  });
  await res.arrayBuffer();
  jar.take(res);
  if (!jar.has("authjs.session-token") && !jar.has("__Secure-authjs.session-token")) {
    return {
      ok: false,
      problem: `POST /api/auth/callback/credentials answered ${res.status}, location ${res.headers.get("location") ?? "(none)"}, no session cookie`,
    };
  }
  return { ok: true, jar };
}
