import { openDatabase } from "@/db/client";
import { migrateDatabase, migrationDatabaseUrl } from "@/db/migrate";
import { grantAppRole } from "@/db/roles";
import { runMain } from "./run-main";

/**
 * `npm run db:migrate`: migrates as MIGRATION_DATABASE_URL (the role that owns the tables;
 * DATABASE_URL when unset), then, when APP_DATABASE_ROLE names the role the app connects as,
 * grants it exactly the app's privileges (db/roles.ts). Safe to run after every deploy.
 */
runMain(async () => {
  const url = migrationDatabaseUrl();
  const handle = await openDatabase(url ? { url, max: 1 } : { max: 1 });
  try {
    await migrateDatabase(handle);
    console.log(
      `Migrations applied to ${handle.kind === "pglite" ? `embedded database ${handle.location}` : handle.location}`,
    );
    const role = process.env.APP_DATABASE_ROLE?.trim();
    if (role) {
      if (handle.kind !== "postgres" || !handle.sql) {
        throw new Error("APP_DATABASE_ROLE applies to PostgreSQL only (the embedded database has no roles)");
      }
      await grantAppRole(handle.sql, role);
      console.log(`Granted the app's privileges to role ${role} (read and append only on the audit tables)`);
    }
  } finally {
    await handle.close();
  }
});
