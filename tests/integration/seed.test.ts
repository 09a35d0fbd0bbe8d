import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/rows";
import { verifyAuditChain } from "@/lib/audit/verify";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { seedDemo } from "@/lib/seed/demo";
import { verifyPassword } from "@/lib/staff/password";
import { replayGrants } from "@/lib/subscriptions/arithmetic";
import { freshDatabase, type TestDatabase } from "../support/db";

const TABLES = [
  "staff_users",
  "customers",
  "plans",
  "subscriptions",
  "subscription_grants",
  "payments",
  "refunds",
  "audit_log",
  "domain_events",
];

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const [row] = await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${t}`));
    out[t] = Number(row?.n);
  }
  return out;
}

function rows<T>(db: Db, query: string): Promise<T[]> {
  return queryRows<T>(db, sql.raw(query));
}

describe("seed", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("makes a realistic demo business through the service, and a second run changes nothing", async () => {
    const now = new Date("2026-11-22T12:00:00.000Z");
    // The standard plans come with the migrations; seeding them again adds nothing.
    expect(await ensurePlans(t.db)).toBe(0);
    const first = await seedDemo(t.db, "paydesk-demo", now);
    expect(first).toMatchObject({ seeded: true, customers: 50, payments: 300 });

    const c1 = await counts(t.db);
    expect(c1.staff_users).toBe(3);
    expect(c1.customers).toBe(50);
    expect(c1.payments).toBe(300);
    expect(c1.plans).toBe(3);
    expect(c1.refunds).toBeGreaterThan(5);
    expect(c1.audit_log).toBeGreaterThan(600);

    const statuses = await rows<{ status: string }>(
      t.db,
      "select distinct status::text as status from payments",
    );
    expect(statuses.map((r) => r.status).sort()).toEqual(
      ["canceled", "failed", "partially_refunded", "pending", "processing", "refunded", "succeeded"].sort(),
    );
    const kinds = await rows<{ kind: string; provider: string }>(
      t.db,
      "select distinct kind::text as kind, provider::text as provider from payments",
    );
    expect(new Set(kinds.map((r) => r.kind))).toEqual(new Set(["manual", "trial", "provider"]));
    expect(new Set(kinds.map((r) => r.provider))).toEqual(new Set(["manual", "stripe", "yookassa"]));

    // Every subscription's end date is explained by its live grants.
    const subs = await rows<{ id: string; current_period_end: string }>(
      t.db,
      "select id, current_period_end from subscriptions",
    );
    for (const s of subs) {
      const live = await rows<{ granted_at: string; period_start: string; days: number }>(
        t.db,
        `select granted_at, period_start, days from subscription_grants where subscription_id = '${s.id}' and revoked_at is null`,
      );
      const replayed = replayGrants(
        live.map((g) => ({
          grantedAt: new Date(g.granted_at),
          periodStart: new Date(g.period_start),
          days: g.days,
        })),
      );
      if (replayed) expect(new Date(s.current_period_end).toISOString()).toBe(replayed.toISOString());
      else expect(new Date(s.current_period_end).getTime()).toBeLessThanOrEqual(now.getTime());
    }

    const [admin] = await rows<{ password_hash: string }>(
      t.db,
      "select password_hash from staff_users where email = 'admin@paydesk.test'",
    );
    expect(admin?.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(admin!.password_hash, "paydesk-demo")).toBe(true);

    expect((await verifyAuditChain(t.db)).ok).toBe(true);

    const second = await seedDemo(t.db, "paydesk-demo", now);
    expect(second.seeded).toBe(false);
    expect(await ensurePlans(t.db)).toBe(0);
    expect(await counts(t.db)).toEqual(c1);
  }, 240_000);
});
