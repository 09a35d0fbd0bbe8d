import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/v1/customers/[ref]/entitlements/route";
import { apiKeys, auditLog } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/create";
import { listApiKeys } from "@/lib/api-keys/list";
import { revokeApiKey } from "@/lib/api-keys/revoke";
import { hashApiKey } from "@/lib/api-keys/secret";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { ServiceError } from "@/lib/errors";
import { resetActionSession, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);

const BASE = "http://paydesk.test/api/v1/customers";

/** Calls the route handler the way Next does: a Request and the decoded path parameter. */
async function call(ref: string, headers: Record<string, string> = {}) {
  const res = await GET(new Request(`${BASE}/${encodeURIComponent(ref)}/entitlements`, { headers }), {
    params: Promise.resolve({ ref }),
  });
  const text = await res.text();
  return { res, status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function storedKey(t: TestDatabase, id: string) {
  const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row!;
}

function expectUnauthorized(answer: Awaited<ReturnType<typeof call>>) {
  expect(answer.status).toBe(401);
  expect(answer.res.headers.get("content-type")).toBe("application/problem+json");
  expect(answer.res.headers.get("www-authenticate")).toMatch(/^Bearer realm="paydesk"/);
  expect(answer.res.headers.get("cache-control")).toBe("no-store");
  expect(answer.body).toMatchObject({ type: "about:blank", title: "Unauthorized", status: 401 });
}

describe("API keys", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let customerEmail: string;

  beforeEach(async () => {
    t = await freshDatabase();
    const base = await baseline(t.db);
    ctx = base.ctx;
    customerEmail = base.customer.email;
    useActionDb(t.db);
  });
  afterEach(async () => {
    resetActionSession();
    await t.close();
  });

  it("creates a key that works at once, counting each use and its time", async () => {
    const created = await createApiKey(ctx, { name: "  Cinema site  " });
    expect(created.key).toMatch(/^pdk_[A-Za-z0-9_-]{43}$/);
    expect(created.name).toBe("Cinema site");
    expect(created.prefix).toBe(created.key.slice(0, 10));

    const fresh = await storedKey(t, created.id);
    expect(fresh).toMatchObject({ useCount: 0, lastUsedAt: null, revokedAt: null });

    const before = Date.now();
    const first = await call(customerEmail, bearer(created.key));
    expect(first.status).toBe(200);
    const once = await storedKey(t, created.id);
    expect(once.useCount).toBe(1);
    expect(once.lastUsedAt).not.toBeNull();
    // now() of the statement: not before the request started (1 s of slack for clock rounding).
    expect(once.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);

    await new Promise((r) => setTimeout(r, 20));
    // Every answered request counts, a 404 as much as a 200.
    expect((await call("nobody@example.com", bearer(created.key))).status).toBe(404);
    const twice = await storedKey(t, created.id);
    expect(twice.useCount).toBe(2);
    expect(twice.lastUsedAt!.getTime()).toBeGreaterThan(once.lastUsedAt!.getTime());

    const [listed] = await listApiKeys(t.db);
    expect(listed).toMatchObject({
      id: created.id,
      name: "Cinema site",
      prefix: created.prefix,
      createdBy: "admin@paydesk.test",
      useCount: 2,
      revokedAt: null,
      revokedBy: null,
    });
    expect(listed).not.toHaveProperty("keyHash");
  });

  it("stores only the SHA-256 of the key, and audits the creation without the key or its hash", async () => {
    const created = await createApiKey(ctx, { name: "CRM" });
    const row = await storedKey(t, created.id);
    expect(row.keyHash).toBe(hashApiKey(created.key));
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
    // The whole row, every column, never holds the key itself.
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(created.key);
    expect(raw).not.toContain(created.key.slice(10));

    const entries = await t.db.select().from(auditLog).where(eq(auditLog.entityId, created.id));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "api_key.create",
      entityType: "api_key",
      actorEmail: "admin@paydesk.test",
      after: { name: "CRM", prefix: created.prefix },
    });
    const audited = JSON.stringify(entries);
    expect(audited).not.toContain(created.key);
    expect(audited).not.toContain(row.keyHash);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("refuses a revoked key with 401 from the next request on, and audits the revocation once", async () => {
    const created = await createApiKey(ctx, { name: "Old site" });
    expect((await call(customerEmail, bearer(created.key))).status).toBe(200);

    const revoked = await revokeApiKey(ctx, { apiKeyId: created.id });
    expect(revoked).toMatchObject({ id: created.id, changed: true });
    const answer = await call(customerEmail, bearer(created.key));
    expectUnauthorized(answer);
    expect(answer.res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // A refused key is not a use.
    const row = await storedKey(t, created.id);
    expect(row.useCount).toBe(1);
    expect(row.revokedByStaffId).toBe(ctx.actor.id);

    // Revoking again changes nothing and writes nothing.
    const auditBefore = await t.db.$count(auditLog);
    const again = await revokeApiKey(ctx, { apiKeyId: created.id });
    expect(again.changed).toBe(false);
    expect(again.revokedAt.getTime()).toBe(revoked.revokedAt.getTime());
    expect(await t.db.$count(auditLog)).toBe(auditBefore);

    const entries = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.entityId, created.id))
      .orderBy(auditLog.chainSeq);
    expect(entries.map((e) => e.action)).toEqual(["api_key.create", "api_key.revoke"]);
    expect(entries[1]).toMatchObject({ before: { revokedAt: null }, after: { name: "Old site" } });
    expect(JSON.stringify(entries)).not.toContain(row.keyHash);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);

    const [listed] = await listApiKeys(t.db);
    expect(listed).toMatchObject({ revokedBy: "admin@paydesk.test" });
    expect(listed!.revokedAt).not.toBeNull();
  });

  it("revoking one key leaves the others working", async () => {
    const a = await createApiKey(ctx, { name: "A" });
    const b = await createApiKey(ctx, { name: "B" });
    await revokeApiKey(ctx, { apiKeyId: a.id });
    expect((await call(customerEmail, bearer(a.key))).status).toBe(401);
    expect((await call(customerEmail, bearer(b.key))).status).toBe(200);
  });

  it("answers 401 problem+json to a missing, malformed or unknown key, and counts nothing", async () => {
    const real = await createApiKey(ctx, { name: "Real" });
    const missing = await call(customerEmail);
    expectUnauthorized(missing);
    expect(missing.res.headers.get("www-authenticate")).toBe('Bearer realm="paydesk"');

    const unknownKey = `pdk_${"A".repeat(43)}`;
    const otherScheme = `Basic ${Buffer.from(`x:${real.key}`).toString("base64")}`;
    for (const authorization of [
      "Bearer",
      "Bearer ",
      "Bearer garbage",
      `Bearer ${unknownKey}`,
      `Bearer ${real.key}x`,
      `Bearer ${real.key.slice(0, -1)}`,
      `Bearer ${real.key} extra`,
      `Token ${real.key}`,
      otherScheme,
      real.key,
      `Bearer ${"x".repeat(10_000)}`,
      "Bearer pdk_' or 1=1 --",
    ]) {
      const answer = await call(customerEmail, { authorization });
      expectUnauthorized(answer);
    }
    expect((await storedKey(t, real.id)).useCount).toBe(0);
    // The scheme is case-insensitive (RFC 9110), and the key still works.
    expect((await call(customerEmail, { authorization: `bearer ${real.key}` })).status).toBe(200);
  });

  it("checks the key before anything else: an unauthenticated caller learns nothing about refs", async () => {
    expectUnauthorized(await call("x".repeat(300)));
    expectUnauthorized(await call("nobody@example.com"));
  });

  it("refuses a name that is empty or longer than 100 characters, writing nothing", async () => {
    for (const name of ["", "   ", "x".repeat(101), "bad\u0000name"]) {
      const err = await createApiKey(ctx, { name }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe("validation");
      expect((err as ServiceError).fieldErrors.name?.length).toBeGreaterThan(0);
    }
    expect(await t.db.$count(apiKeys)).toBe(0);
    await expect(createApiKey(ctx, { name: "x".repeat(100) })).resolves.toMatchObject({
      name: "x".repeat(100),
    });
  });

  it("refuses to revoke an unknown or malformed id", async () => {
    await expect(revokeApiKey(ctx, { apiKeyId: crypto.randomUUID() })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(revokeApiKey(ctx, { apiKeyId: "not-a-uuid" })).rejects.toMatchObject({ code: "validation" });
  });

  it("rolls back the key when its audit entry cannot be written", async () => {
    const failing: ServiceContext = {
      ...ctx,
      onStep: (name) => {
        if (name === "audit.before_insert") throw new Error("audit store down");
      },
    };
    await expect(createApiKey(failing, { name: "Doomed" })).rejects.toThrow("audit store down");
    expect(await t.db.$count(apiKeys)).toBe(0);

    const kept = await createApiKey(ctx, { name: "Kept" });
    await expect(revokeApiKey(failing, { apiKeyId: kept.id })).rejects.toThrow("audit store down");
    expect((await storedKey(t, kept.id)).revokedAt).toBeNull();
  });

  it("answers a fault on our side with a 500 problem carrying a reference, not a crash", async () => {
    const created = await createApiKey(ctx, { name: "Unlucky" });
    const gone = await freshDatabase();
    await gone.close();
    useActionDb(gone.db);
    const answer = await call(customerEmail, { ...bearer(created.key), "x-request-id": "req-500-test" });
    expect(answer.status).toBe(500);
    expect(answer.res.headers.get("content-type")).toBe("application/problem+json");
    // The reference is our own request id, never the one the caller chose.
    expect(answer.body.detail).toMatch(/Reference: [0-9a-f-]{36}\./);
    expect(answer.body.detail).not.toContain("req-500-test");
  });
});
