import { and, count, eq, like, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/client";
import { auditLog, rateLimits, writeBudgets } from "@/db/schema";
import { NEW_RATE_LIMIT_KEYS_PER_WINDOW } from "@/lib/auth/rate-limit";
import { signInWithPassword } from "@/lib/auth/sign-in";
import {
  AUDIT_WRITES_PER_WINDOW,
  WRITE_BUDGET_WINDOW_SECONDS,
  WRITE_KINDS,
  writeBudgetOf,
} from "@/lib/auth/write-budget";
import { freshDatabase, type TestDatabase } from "../support/db";

// What is measured here is how many rows a flood leaves behind, not argon2: thousands of
// 19 MiB hashes would take minutes on a shared CPU. Every attempt still takes the full path.
vi.mock("@/lib/staff/password", async (original) => ({
  ...(await original<typeof import("@/lib/staff/password")>()),
  hashPassword: async () => "$argon2id$decoy",
  verifyPassword: async () => false,
}));

const WINDOW_MS = WRITE_BUDGET_WINDOW_SECONDS * 1000;
const START = new Date("2026-05-01T10:00:00.000Z"); // a window boundary
const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function rows(db: Db, table: typeof auditLog | typeof rateLimits, where?: ReturnType<typeof eq>) {
  const [r] = await db.select({ n: count() }).from(table).where(where);
  return Number(r!.n);
}

describe("unauthenticated senders cannot grow the tables without bound", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t?.close();
  });

  it("thousands of distinct unknown emails from distinct addresses: audit entries stop at the cap, with summaries", async () => {
    const flood = AUDIT_WRITES_PER_WINDOW + 150;
    for (let i = 0; i < flood; i++) {
      const result = await signInWithPassword(
        t.db,
        { email: `nobody-${i}@example.com`, password: "guess" },
        { ip: addressOf(i), userAgent: null, now: new Date(START.getTime() + i) },
      );
      expect(result.ok).toBe(false);
    }
    expect(await rows(t.db, auditLog, eq(auditLog.action, "staff.sign_in_failed"))).toBe(
      AUDIT_WRITES_PER_WINDOW,
    );
    // Counters too: one per address and email up to the new-key cap, then overflow counters.
    expect(await rows(t.db, rateLimits)).toBeLessThanOrEqual(NEW_RATE_LIMIT_KEYS_PER_WINDOW + 2);
    const summaries = () =>
      t.db.select().from(auditLog).where(eq(auditLog.action, "audit.writes_suppressed"));
    expect(await summaries()).toHaveLength(1);
    expect((await summaries())[0]!.after).toMatchObject({ kind: WRITE_KINDS.signInFailed, capReached: true });
    const budget = await writeBudgetOf(t.db, WRITE_KINDS.signInFailed);
    expect(budget).toMatchObject({ windowStart: START });
    expect(budget!.count).toBeGreaterThan(AUDIT_WRITES_PER_WINDOW);
    expect(budget!.suppressed).toBe(budget!.count - AUDIT_WRITES_PER_WINDOW);
    const suppressed = budget!.suppressed;

    // The next window: entries are written again, and one summary says how many were dropped.
    const next = new Date(START.getTime() + WINDOW_MS + 1);
    await signInWithPassword(
      t.db,
      { email: "late@example.com", password: "x" },
      { ip: "10.9.9.9", userAgent: null, now: next },
    );
    expect(await rows(t.db, auditLog, eq(auditLog.action, "staff.sign_in_failed"))).toBe(
      AUDIT_WRITES_PER_WINDOW + 1,
    );
    const all = await summaries();
    expect(all).toHaveLength(2);
    expect(all.map((e) => e.after)).toContainEqual(
      expect.objectContaining({ suppressed, written: AUDIT_WRITES_PER_WINDOW }),
    );
    // One counter row per kind, whatever the flood.
    const budgets = await t.db.select().from(writeBudgets);
    expect(budgets.map((b) => b.key).sort()).toEqual(
      [WRITE_KINDS.rateLimitKeys, WRITE_KINDS.signInFailed].sort(),
    );
  }, 600_000);

  it("rate_limits stops growing at the new-key cap (overflow counter), and expired rows are deleted as sign-ins go on", async () => {
    // Malformed attempts from thousands of addresses: each would need a counter of its own.
    const flood = NEW_RATE_LIMIT_KEYS_PER_WINDOW + 300;
    for (let i = 0; i < flood; i++) {
      await signInWithPassword(
        t.db,
        { email: "\u0000", password: "x" },
        { ip: addressOf(i), userAgent: null, now: new Date(START.getTime() + i) },
      );
    }
    const total = await rows(t.db, rateLimits);
    expect(total).toBe(NEW_RATE_LIMIT_KEYS_PER_WINDOW + 1);
    const [overflow] = await t.db.select().from(rateLimits).where(like(rateLimits.key, "%#overflow"));
    expect(overflow).toMatchObject({ key: "signin_addr#overflow", points: 300 });
    // The overflow counter fails closed: addresses beyond the cap share one budget of 30.
    const over = await signInWithPassword(
      t.db,
      { email: "anyone@example.com", password: "x" },
      { ip: "172.16.0.1", userAgent: null, now: new Date(START.getTime() + flood) },
    );
    expect(over).toMatchObject({ ok: false, code: "rate_limited" });

    // Once the counters have expired, each sign-in deletes a batch of them.
    const later = new Date(START.getTime() + 20 * 60_000);
    for (let i = 0; i < 50; i++) {
      await signInWithPassword(
        t.db,
        { email: "\u0000", password: "x" },
        { ip: addressOf(100_000 + i), userAgent: null, now: new Date(later.getTime() + i) },
      );
    }
    const afterCleanup = await rows(t.db, rateLimits);
    expect(afterCleanup).toBeLessThan(total - 500);
    const [live] = await t.db
      .select({ n: count() })
      .from(rateLimits)
      .where(and(sql`${rateLimits.expire} > ${later.toISOString()}::timestamptz`));
    expect(Number(live!.n)).toBe(50);
  }, 600_000);

  it("rejected webhook deliveries share one budget across instances, kept in the database", async () => {
    const { REJECTIONS_AUDITED_PER_PROVIDER } = await import("@/lib/webhooks/rejections");
    // Two app instances: two copies of the module, each with its own memory.
    const instances = [];
    for (let n = 0; n < 2; n++) {
      vi.resetModules();
      instances.push(await import("@/lib/webhooks/rejections"));
    }
    const now = () => START;
    let i = 0;
    for (const instance of instances) {
      for (let k = 0; k < REJECTIONS_AUDITED_PER_PROVIDER + 50; k++, i++) {
        await instance.recordRejectedDelivery(
          t.db,
          "yookassa",
          { ip: addressOf(i), userAgent: null, requestId: `r-${i}` },
          "address not allowed",
          now,
        );
      }
    }
    expect(await rows(t.db, auditLog, eq(auditLog.action, "webhook.rejected"))).toBe(
      REJECTIONS_AUDITED_PER_PROVIDER,
    );
    expect(await rows(t.db, auditLog, eq(auditLog.action, "audit.writes_suppressed"))).toBe(1);
    expect(await writeBudgetOf(t.db, `${WRITE_KINDS.webhookRejected}:yookassa`)).toMatchObject({
      count: 2 * (REJECTIONS_AUDITED_PER_PROVIDER + 50),
      suppressed: REJECTIONS_AUDITED_PER_PROVIDER + 100,
    });
  }, 120_000);
});
