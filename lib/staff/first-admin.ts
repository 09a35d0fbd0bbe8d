import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Queryable } from "@/db/client";
import { staffUsers } from "@/db/schema";
import type { ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { email, requiredText } from "../validation/common";
import { parseInput } from "../validation/parse";
import { password } from "../validation/staff";
import { type CreateStaffResult, createStaff } from "./create";

export const firstAdminInput = z
  .object({
    email,
    name: requiredText("Name", 200),
    password,
    confirmPassword: z.string(),
  })
  .refine((v) => v.password === v.confirmPassword, {
    message: "The two passwords differ",
    path: ["confirmPassword"],
  });
export type FirstAdminInput = z.input<typeof firstAdminInput>;

export const SETUP_DONE = "Paydesk is already set up: sign in instead.";

/** True while the database has no staff account at all: the only time /setup is open. */
export async function needsFirstAdmin(db: Queryable): Promise<boolean> {
  const rows = await db.select({ id: staffUsers.id }).from(staffUsers).limit(1);
  return rows.length === 0;
}

export interface FirstAdminRequest {
  requestId?: string;
  ip?: string | null;
  userAgent?: string | null;
  clientRequestId?: string | null;
  now?: () => Date;
}

/**
 * Creates the first admin of an empty database from the first-run page. Anyone who reaches
 * the page could call this, so it must succeed exactly once: the check "no staff exists" and
 * the insert run in one transaction under an advisory lock, and two browsers submitting at
 * once get one admin and one "already set up". Audited as `system:bootstrap`, as the CLI's
 * first `staff create` is.
 */
export async function createFirstAdmin(
  db: Db,
  raw: FirstAdminInput,
  request: FirstAdminRequest = {},
): Promise<CreateStaffResult> {
  const input = parseInput(firstAdminInput, raw);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('paydesk:first_admin', 0))`);
    if (!(await needsFirstAdmin(tx))) throw new ServiceError("conflict", SETUP_DONE);
    const ctx: ServiceContext = {
      db: tx as unknown as Db,
      actor: { type: "system", id: "system:bootstrap" },
      via: "web",
      requestId: request.requestId ?? randomUUID(),
      clientRequestId: request.clientRequestId ?? null,
      ip: request.ip ?? null,
      userAgent: request.userAgent ?? null,
      now: request.now,
    };
    return createStaff(ctx, {
      email: input.email,
      name: input.name,
      role: "admin",
      password: input.password,
    });
  });
}
