import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as yookassaWebhook } from "@/app/api/webhooks/yookassa/route";
import type { DatabaseHandle } from "@/db/client";
import { auditLog } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { clientRequestIdFrom, requestMetaFrom } from "@/lib/auth/request";
import { createCustomer } from "@/lib/customers/create";
import { resetRejectionBudgets } from "@/lib/webhooks/rejections";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

/**
 * The client's X-Request-Id never becomes the audit entry's request id (which a client could
 * then make collide with, or impersonate, another request's): we generate ours every time and
 * keep the client's, cleaned, in audit_log.client_request_id.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("clientRequestIdFrom", () => {
  it("keeps printable text, trimmed, at most 100 characters", () => {
    const id = (value: string) => clientRequestIdFrom(new Headers({ "x-request-id": value }));
    expect(id("  req-42  ")).toBe("req-42");
    expect(id("a".repeat(500))).toBe("a".repeat(100));
    expect(id("caf\u00e9-\u0007bell")).toBe("caf-bell");
    expect(id("\u00e9\u00e9")).toBeNull();
    expect(clientRequestIdFrom(new Headers())).toBeNull();
  });

  it("requestMetaFrom: our own request id, the client's beside it", () => {
    const meta = requestMetaFrom(new Headers({ "x-request-id": "rid-1", "user-agent": "UA" }));
    expect(meta.requestId).toMatch(UUID);
    expect(meta.requestId).not.toBe("rid-1");
    expect(meta.clientRequestId).toBe("rid-1");
    expect(meta.userAgent).toBe("UA");
    const again = requestMetaFrom(new Headers({ "x-request-id": "rid-1" }));
    expect(again.requestId).not.toBe(meta.requestId);
  });
});

describe("audit entries", () => {
  let t: TestDatabase;
  const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    globalForDb.__paydeskDb = undefined;
    vi.unstubAllEnvs();
    await t.close();
  });

  it("a service verb records our request id and the client's separately; the chain verifies", async () => {
    const { ctx } = await baseline(t.db);
    // Another request's id, as a client might send it to blur the trail.
    const victim = ctx.requestId;
    const meta = requestMetaFrom(new Headers({ "x-request-id": victim }));
    const customer = await createCustomer({ ...ctx, ...meta }, { email: "boris@example.com", name: "Boris" });
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.entityId, customer.id));
    expect(entry!.requestId).toBe(meta.requestId);
    expect(entry!.requestId).not.toBe(victim);
    expect(entry!.clientRequestId).toBe(victim);
    // Entries without a client id (the baseline's) and with one both verify.
    expect((await verifyAuditChain(t.db)).firstBroken).toBeNull();
  });

  it("a webhook delivery's audit entry carries our id, not the sender's", async () => {
    globalForDb.__paydeskDb = Promise.resolve(t);
    vi.stubEnv("YOOKASSA_SHOP_ID", "123456");
    vi.stubEnv("YOOKASSA_SECRET_KEY", "test_secret");
    vi.stubEnv("YOOKASSA_ALLOWED_IPS", "");
    vi.stubEnv("YOOKASSA_WEBHOOK_SECRET", "");
    resetRejectionBudgets();
    // No custom server in front: the address is unknown, so the delivery is refused (and audited).
    const res = await yookassaWebhook(
      new Request("http://localhost/api/webhooks/yookassa", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "sender-chosen" },
        body: "{}",
      }),
    );
    expect(res.status).toBe(403);
    const refusals = await t.db.select().from(auditLog).where(eq(auditLog.action, "webhook.rejected"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.requestId).toMatch(UUID);
  });
});
