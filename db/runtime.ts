import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { componentLogger } from "@/lib/log";
import { seedDatabase } from "@/lib/seed/seed";
import { needsFirstAdmin } from "@/lib/staff/first-admin";
import { type DatabaseHandle, openDatabase } from "./client";
import { migrateDatabase, migrationDatabaseUrl } from "./migrate";

// Next bundles route handlers and instrumentation separately; a global keeps one
// database (and one embedded-directory lock) per process.
const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };

/** The process-wide database, migrated and seeded; opened once at server start. */
export function getDatabase(): Promise<DatabaseHandle> {
  globalForDb.__paydeskDb ??= start().catch((err) => {
    globalForDb.__paydeskDb = undefined;
    throw err;
  });
  return globalForDb.__paydeskDb;
}

async function start(): Promise<DatabaseHandle> {
  if (process.env.DATABASE_URL && !process.env.AUTH_SECRET) {
    throw new Error(
      "AUTH_SECRET is required when DATABASE_URL is set (it signs sessions; generate one with `openssl rand -base64 32`)",
    );
  }
  const handle = await openDatabase();
  try {
    // As the migration role when the app runs as a less privileged one (docs/audit-log.md).
    await migrateDatabase(handle, { url: migrationDatabaseUrl() });
    const seeded = await seedDatabase(handle);
    if (seeded.demo?.seeded) {
      const { customers, payments } = seeded.demo;
      componentLogger("database").info({ customers, payments }, "seeded demo data");
    } else if (await needsFirstAdmin(handle.db)) {
      // A production start never gets the demo accounts: say where the first admin comes from.
      componentLogger("database").warn(
        "no staff accounts yet: open /setup in a browser, or run `npm run cli -- staff create --role admin …`",
      );
    }
    if (handle.kind === "pglite") ensureEmbeddedAuthSecret(handle.location);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const shutdown = () => {
    handle.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  // `location` never includes a password (db/client.ts): a data directory, "memory", or a redacted URL.
  componentLogger("database").info({ kind: handle.kind, location: handle.location }, "database ready");
  return handle;
}

/** Embedded mode needs no setup: a signing secret is generated once and kept with the data. */
function ensureEmbeddedAuthSecret(dataDir: string): void {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(/*turbopackIgnore: true*/ dataDir, "auth-secret");
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  process.env.AUTH_SECRET = fs.readFileSync(file, "utf8").trim();
}
