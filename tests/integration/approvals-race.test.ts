import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { approvalRequests, auditLog, payments } from "@/db/schema";
import { approveRequest } from "@/lib/approvals/decide";
import type { ServiceContext } from "@/lib/context";
import { submitPayment } from "@/lib/payments/create";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline, ctxFor, insertStaff } from "../support/fixtures";

describe.runIf(backend === "postgres")("approvals on PostgreSQL: a double approve applies once", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase({ max: 12 });
  });
  afterEach(async () => {
    await t.close();
  });

  it("8 concurrent approvals of one request: one payment, one approval, the others refused", async () => {
    const { ctx, customer } = await baseline(t.db);
    const a: ServiceContext = { ...ctx, via: "web" };
    const held = await submitPayment(a, {
      customer: customer.id,
      plan: "premium",
      amount: "15000.00",
      currency: "RUB",
      status: "succeeded",
      reason: "Annual contract",
    });
    if (held.status !== "awaiting_approval") throw new Error("expected a held payment");
    const b = await insertStaff(t.db, "admin", "second@paydesk.test");
    const approver = { type: "staff" as const, id: b.id, email: b.email, name: b.name, role: b.role };
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        approveRequest(
          ctxFor(t.db, approver, {
            via: "web",
            // Each step pauses, so the racers' transactions overlap.
            onStep: () => new Promise((resolve) => setTimeout(resolve, 5 + (i % 3) * 5)),
          }),
          { id: held.approvalRequestId, reason: "Double click" },
        ),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as Error).message).toMatch(/already approved/);
    }
    expect(await t.db.select().from(payments).where(eq(payments.amountMinor, 1_500_000n))).toHaveLength(1);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, "approval.approve"))).toHaveLength(1);
    const [row] = await t.db.select().from(approvalRequests);
    expect(row?.status).toBe("approved");
  });
});
