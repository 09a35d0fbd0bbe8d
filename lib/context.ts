import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import type { StaffRole } from "@/db/schema/enums";
import { type Permission, permissionLabels, roleCan } from "./auth/permissions";
import { ServiceError } from "./errors";

export type Actor =
  | { type: "staff"; id: string; email: string; name: string; role: StaffRole }
  /** Providers and internal jobs: `system:stripe`, `system:yookassa`, `system:seed`. */
  | { type: "system"; id: `system:${string}` };

/** How the request reached the service; recorded in the audit entry. */
export type Channel = "web" | "cli" | "webhook" | "seed" | "system";

export interface ServiceContext {
  db: Db;
  actor: Actor;
  via: Channel;
  /** Ours, never the client's (see lib/auth/request.ts). */
  requestId: string;
  /** The client's own `X-Request-Id`, kept as a separate, marked field of the audit entry. */
  clientRequestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** The clock; tests move it to exercise expiry. */
  now?: () => Date;
  /**
   * Called between the steps of a mutation (inside its transaction). Tests throw from it to
   * prove that a failure at any step rolls the whole mutation back.
   */
  onStep?: (step: string) => void | Promise<void>;
}

// System actors act for a provider or an internal job; they may change payments but
// never manage staff or read the audit log.
const systemPermissions: ReadonlySet<Permission> = new Set<Permission>([
  "payment.view",
  "payment.create",
  "payment.update",
  "payment.change_status",
  "payment.refund",
  "payment.sync",
  "review.view",
  "customer.view",
  "customer.create",
  "subscription.view",
  "webhook.view",
]);

// Setting up a database (first admin at the console, demo data) is the one time a
// non-person creates staff accounts.
const SETUP_ACTORS: ReadonlySet<string> = new Set(["system:bootstrap", "system:seed"]);

export function actorCan(actor: Actor, permission: Permission): boolean {
  if (actor.type === "system") {
    if (permission === "staff.manage") return SETUP_ACTORS.has(actor.id);
    return systemPermissions.has(permission);
  }
  return roleCan(actor.role, permission);
}

export function assertCan(ctx: ServiceContext, permission: Permission): void {
  if (!actorCan(ctx.actor, permission)) {
    const who = ctx.actor.type === "staff" ? `${ctx.actor.email} (${ctx.actor.role})` : ctx.actor.id;
    throw new ServiceError("forbidden", `${who} is not allowed to ${permissionLabels[permission]}`);
  }
}

export function nowOf(ctx: Pick<ServiceContext, "now">): Date {
  return ctx.now ? ctx.now() : new Date();
}

export async function step(ctx: Pick<ServiceContext, "onStep">, name: string): Promise<void> {
  if (ctx.onStep) await ctx.onStep(name);
}

export function actorLabel(actor: Actor): string {
  return actor.type === "staff" ? actor.email : actor.id;
}

export function systemContext(db: Db, id: `system:${string}`, via: Channel = "system"): ServiceContext {
  return { db, actor: { type: "system", id }, via, requestId: randomUUID() };
}
