import type postgres from "postgres";

/**
 * The two PostgreSQL roles of a production deployment (docs/audit-log.md, "Database roles"):
 * the migration role owns every table and runs `npm run db:migrate`; the app role, which the
 * server connects as, gets only what the service needs. Owning `audit_log` is what allows
 * `ALTER TABLE … DISABLE TRIGGER`, `TRUNCATE` and `DROP`; the app role owns nothing, and on
 * the audit tables it may only read and append.
 */

/** Tables the app may only read and append to: the audit trail and its signed checkpoints. */
export const APPEND_ONLY_TABLES = ["audit_log", "audit_checkpoints"] as const;

export class AppRoleError extends Error {}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Grants `role` exactly the app's privileges on the schema the connection's migration role
 * owns, and nothing more: everything granted before is revoked first, so running it again (after
 * each migration) converges on the same set. Also sets default privileges, so tables that later
 * migrations create are usable by the app without another grant; a new append-only table must
 * revoke UPDATE and DELETE in its own migration (or be added to APPEND_ONLY_TABLES).
 */
export async function grantAppRole(sql: postgres.Sql, role: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(role)) {
    throw new AppRoleError(`APP_DATABASE_ROLE "${role}" is not a plain role name`);
  }
  await sql.begin(async (tx) => {
    const [found] = await tx<{ super: boolean; self: boolean; member: boolean }[]>`
      select r.rolsuper as super,
             r.rolname = current_user as self,
             pg_has_role(r.rolname, current_user, 'USAGE') as member
      from pg_roles r where r.rolname = ${role}`;
    if (!found)
      throw new AppRoleError(
        `APP_DATABASE_ROLE "${role}" does not exist: create it first (CREATE ROLE … LOGIN)`,
      );
    // Each of these would give the app the owner's rights back, which is what the split prevents.
    if (found.self)
      throw new AppRoleError(`APP_DATABASE_ROLE "${role}" is the migration role itself: use a separate role`);
    if (found.super)
      throw new AppRoleError(`APP_DATABASE_ROLE "${role}" is a superuser: use an ordinary role`);
    if (found.member) {
      throw new AppRoleError(
        `APP_DATABASE_ROLE "${role}" inherits the migration role's rights: revoke that membership`,
      );
    }
    const r = ident(role);
    const appendOnly = APPEND_ONLY_TABLES.map(ident).join(", ");
    await tx.unsafe(`grant usage on schema public to ${r}`);
    await tx.unsafe(`revoke all on all tables in schema public from ${r}`);
    await tx.unsafe(`grant select, insert, update, delete on all tables in schema public to ${r}`);
    await tx.unsafe(`revoke update, delete on ${appendOnly} from ${r}`);
    await tx.unsafe(`revoke all on all sequences in schema public from ${r}`);
    await tx.unsafe(`grant usage, select on all sequences in schema public to ${r}`);
    await tx.unsafe(
      `alter default privileges in schema public grant select, insert, update, delete on tables to ${r}`,
    );
    await tx.unsafe(`alter default privileges in schema public grant usage, select on sequences to ${r}`);
    // Only to see that nothing is left to migrate at start (db/migrate.ts), never to write it.
    await tx.unsafe(`grant usage on schema drizzle to ${r}`);
    await tx.unsafe(`revoke all on drizzle.__drizzle_migrations from ${r}`);
    await tx.unsafe(`grant select on drizzle.__drizzle_migrations to ${r}`);
  });
}
