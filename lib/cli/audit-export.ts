import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DatabaseHandle, Queryable } from "@/db/client";
import { staffUsers } from "@/db/schema";
import { startAuditExport } from "../audit/export";
import type { Actor, ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { type AuditListQuery, parseAuditListQuery } from "../validation/audit-list";

/** `audit export`'s filter flags; each is the /audit page's URL parameter of the same meaning. */
export interface AuditExportFlags {
  from?: string;
  to?: string;
  /** Who did it (the page's `actor`): a staff email or id, or a system actor such as `system:stripe`. */
  by?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
}

/**
 * The filters as the web export would read them: the flags become the page's URL parameters and
 * go through the same parser. The page drops a bad value silently (a shared link must still
 * open); here that would quietly export more than asked, so a dropped value is an error.
 */
export function auditExportQuery(flags: AuditExportFlags): AuditListQuery {
  const params = new URLSearchParams();
  const given: [flag: string, param: string, value: string][] = [
    ["--from", "from", flags.from],
    ["--to", "to", flags.to],
    ["--by", "actor", flags.by],
    ["--action", "action", flags.action],
    ["--entity-type", "entityType", flags.entityType],
    ["--entity-id", "entityId", flags.entityId],
  ].filter((g): g is [string, string, string] => g[2] !== undefined);
  for (const [, param, value] of given) params.set(param, value);
  const query = parseAuditListQuery(params);

  for (const [flag, param, value] of given) {
    const kept =
      param === "action"
        ? value
            .split(",")
            .map((a) => a.trim().toLowerCase())
            .filter((a) => a !== "")
            .every((a) => query.action.includes(a)) && query.action.length > 0
        : query[param as "from" | "to" | "actor" | "entityType" | "entityId"] !== null;
    if (!kept) throw ServiceError.field(flag, `${flag} ${JSON.stringify(value)} is not a valid filter value`);
  }
  return query;
}

/** The staff member an export is audited as: must exist and be enabled (the service checks the role). */
export async function resolveStaffActor(db: Queryable, email: string): Promise<Actor> {
  const [user] = await db
    .select()
    .from(staffUsers)
    .where(sql`lower(${staffUsers.email}) = ${email.trim().toLowerCase()}`);
  if (!user) throw new ServiceError("forbidden", `No staff account ${email}`);
  if (user.disabled) throw new ServiceError("forbidden", `Staff account ${user.email} is disabled`);
  return { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
}

/**
 * Writes the export to `out` chunk by chunk, waiting for `drain` whenever the pipe is full, so
 * a slow reader (`| gzip` to a slow disk) slows the database reads instead of filling memory.
 * Returns the number of entries written.
 */
export async function runAuditExport(
  handle: DatabaseHandle,
  opts: AuditExportFlags & { actor?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<{ rows: number; entryId: string }> {
  if (!opts.actor) {
    throw ServiceError.field("--actor", "pass --actor <staff email>: the export is audited as that person");
  }
  const query = auditExportQuery(opts);
  const actor = await resolveStaffActor(handle.db, opts.actor);
  const ctx: ServiceContext = {
    db: handle.db,
    actor,
    via: "cli",
    requestId: randomUUID(),
    userAgent: `paydesk-cli (${process.env.USER ?? "unknown user"})`,
  };
  const exp = await startAuditExport(ctx, query);

  let failure: Error | null = null;
  const onError = (err: Error) => {
    failure ??= err;
  };
  out.on("error", onError);
  try {
    for await (const chunk of exp.chunks()) {
      if (failure) break;
      if (!out.write(chunk)) await drained(out, () => failure);
    }
  } finally {
    out.off("error", onError);
  }
  if (failure) throw failure;
  return { rows: exp.rowCount, entryId: exp.entryId };
}

function drained(out: NodeJS.WritableStream, failed: () => Error | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (failed()) return reject(failed());
    const done = (err?: Error) => {
      out.off("drain", onDrain);
      out.off("error", done);
      out.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("output closed before the export finished"));
    out.on("drain", onDrain);
    out.on("error", done);
    out.on("close", onClose);
  });
}
