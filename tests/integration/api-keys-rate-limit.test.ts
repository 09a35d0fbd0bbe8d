import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/v1/customers/[ref]/entitlements/route";
import { type DatabaseHandle, openDatabase } from "@/db/client";
import { apiKeys, rateLimits } from "@/db/schema";
import { authenticateApiKey } from "@/lib/api-keys/authenticate";
import { createApiKey } from "@/lib/api-keys/create";
import { consumeApiRequest } from "@/lib/api-keys/rate-limit";
import { revokeApiKey } from "@/lib/api-keys/revoke";
import type { ServiceContext } from "@/lib/context";
import { resetActionSession, useActionDb } from "../support/action-session";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

const LIMIT = 5;

async function call(key: string, ref: string) {
  const res = await GET(
    new Request(`http://paydesk.test/api/v1/customers/${encodeURIComponent(ref)}/entitlements`, {
      headers: { authorization: `Bearer ${key}` },
    }),
    { params: Promise.resolve({ ref }) },
  );
  const text = await res.text();
  return { res, status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("API rate limit per key", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let email: string;
  const saved = process.env.API_RATE_LIMIT_PER_MINUTE;

  beforeEach(async () => {
    process.env.API_RATE_LIMIT_PER_MINUTE = String(LIMIT);
    t = await freshDatabase();
    const base = await baseline(t.db);
    ctx = base.ctx;
    email = base.customer.email;
    useActionDb(t.db);
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.API_RATE_LIMIT_PER_MINUTE;
    else process.env.API_RATE_LIMIT_PER_MINUTE = saved;
    resetActionSession();
    await t.close();
  });

  it("answers 429 problem+json with Retry-After to the request after the limit; another key is unaffected", async () => {
    const busy = await createApiKey(ctx, { name: "Busy" });
    const quiet = await createApiKey(ctx, { name: "Quiet" });

    for (let i = 0; i < LIMIT; i++) {
      const ok = await call(busy.key, email);
      expect(ok.status, `request ${i + 1}`).toBe(200);
      expect(ok.res.headers.get("x-ratelimit-limit")).toBe(String(LIMIT));
      expect(ok.res.headers.get("x-ratelimit-remaining")).toBe(String(LIMIT - i - 1));
    }

    const refused = await call(busy.key, email);
    expect(refused.status).toBe(429);
    expect(refused.res.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.res.headers.get("cache-control")).toBe("no-store");
    const retryAfter = refused.res.headers.get("retry-after");
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ type: "about:blank", title: "Too Many Requests", status: 429 });
    // It stays refused for the rest of the minute.
    expect((await call(busy.key, email)).status).toBe(429);

    // The other key has its own budget.
    for (let i = 0; i < LIMIT; i++) expect((await call(quiet.key, email)).status).toBe(200);
    expect((await call(quiet.key, email)).status).toBe(429);

    // Refused requests were made with a valid key: they count as uses too.
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, busy.id));
    expect(row!.useCount).toBe(LIMIT + 2);
  });

  it("keeps the budget in the database for one minute, and gives it back when the minute is over", async () => {
    const key = await createApiKey(ctx, { name: "Windowed" });
    for (let i = 0; i < LIMIT; i++) await call(key.key, email);
    expect((await call(key.key, email)).status).toBe(429);

    const rows = await t.db.select().from(rateLimits);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).toContain(key.id);
    const left = rows[0]!.expire!.getTime() - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(60_000);

    // The minute passes (the window is moved back rather than waited for).
    await t.db.update(rateLimits).set({ expire: sql`now() - interval '1 second'` });
    expect((await call(key.key, email)).status).toBe(200);
  });

  it("reads the limit per request, so a new value applies without a restart", async () => {
    const key = await createApiKey(ctx, { name: "Configurable" });
    process.env.API_RATE_LIMIT_PER_MINUTE = "2";
    expect((await call(key.key, email)).status).toBe(200);
    expect((await call(key.key, email)).status).toBe(200);
    const third = await call(key.key, email);
    expect(third.status).toBe(429);
    expect(third.res.headers.get("x-ratelimit-limit")).toBe("2");
  });

  describe("under concurrency", () => {
    let second: DatabaseHandle | null = null;
    afterEach(async () => {
      await second?.close();
      second = null;
    });

    /** Two app instances: on PostgreSQL, separate pools with their own limiter objects. */
    async function instances(): Promise<DatabaseHandle["db"][]> {
      if (backend === "pglite") return [t.db, t.db];
      second = await openDatabase({ url: t.url!, max: 8 });
      return [t.db, second.db];
    }

    it("lets exactly the limit through when requests race across instances", async () => {
      const key = await createApiKey(ctx, { name: "Racing" });
      const dbs = await instances();
      const attempts = LIMIT * 4;
      const results = await Promise.all(
        Array.from({ length: attempts }, async (_, i) => {
          const db = dbs[i % dbs.length]!;
          const auth = await authenticateApiKey(db, `Bearer ${key.key}`);
          if (!auth.ok) throw new Error("key refused");
          return consumeApiRequest(db, auth.key.id);
        }),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(LIMIT);
      for (const refused of results.filter((r) => !r.allowed)) {
        expect(refused).toMatchObject({ allowed: false, limit: LIMIT });
      }
      // Every authenticated request was counted: no increment lost to a race.
      const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
      expect(row!.useCount).toBe(attempts);
    });

    it("refuses the key on every instance once its revocation commits", async () => {
      const key = await createApiKey(ctx, { name: "Revoked" });
      const dbs = await instances();
      const early = await Promise.all(dbs.map((db) => authenticateApiKey(db, `Bearer ${key.key}`)));
      expect(early.every((a) => a.ok)).toBe(true);
      await revokeApiKey(ctx, { apiKeyId: key.id });
      const late = await Promise.all(
        Array.from({ length: 6 }, (_, i) => authenticateApiKey(dbs[i % dbs.length]!, `Bearer ${key.key}`)),
      );
      expect(late.every((a) => !a.ok)).toBe(true);
      const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
      expect(row!.useCount).toBe(dbs.length);
    });
  });
});
