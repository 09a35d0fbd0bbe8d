import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import { staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import type { Actor, ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { ensurePlans } from "@/lib/plans/seed-plans";

export interface Clock {
  now: () => Date;
  set(at: Date | string): void;
  advanceDays(days: number): void;
}

export function clockAt(start: Date | string = "2026-01-01T00:00:00.000Z"): Clock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (at) => {
      t = new Date(at).getTime();
    },
    advanceDays: (days) => {
      t += days * 86_400_000;
    },
  };
}

export async function insertStaff(
  db: Db,
  role: StaffRole,
  email = `${role}-${randomUUID().slice(0, 6)}@paydesk.test`,
) {
  const [user] = await db
    .insert(staffUsers)
    .values({ email, name: `Test ${role}`, role, passwordHash: "$argon2id$not-a-real-hash" })
    .returning();
  return user!;
}

export function ctxFor(db: Db, actor: Actor, extra: Partial<ServiceContext> = {}): ServiceContext {
  return { db, actor, via: "cli", requestId: randomUUID(), ...extra };
}

/** Plans, an admin and a customer: what most service tests start from. */
export async function baseline(db: Db, clock?: Clock) {
  await ensurePlans(db);
  const admin = await insertStaff(db, "admin", "admin@paydesk.test");
  const actor: Actor = { type: "staff", id: admin.id, email: admin.email, name: admin.name, role: "admin" };
  const ctx = ctxFor(db, actor, clock ? { now: clock.now } : {});
  const customer = await createCustomer(ctx, { email: "anna@example.com", name: "Anna Petrova" });
  return { admin, actor, ctx, customer };
}
