import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { approveRequestAction, rejectRequestAction } from "@/app/(admin)/approvals/actions";
import { createPaymentAction, refundAction } from "@/app/(admin)/payments/actions";
import { approvalRequests, payments } from "@/db/schema";
import { createPayment } from "@/lib/payments/create";
import { resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { rowCounts, snapshot } from "../support/db-snapshot";
import { baseline, ctxFor, insertStaff } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

/** The web path: the payment form and refund dialog's actions hold; the decision actions refuse the requester. */
describe("approvals through the server actions", () => {
  let t: TestDatabase;
  let a: { id: string };
  let b: { id: string };
  let customerEmail: string;

  beforeAll(async () => {
    t = await freshDatabase();
    const base = await baseline(t.db);
    a = base.admin;
    b = await insertStaff(t.db, "admin", "second@paydesk.test");
    customerEmail = base.customer.email;
    useActionDb(t.db);
  });
  afterAll(async () => {
    resetActionSession();
    await t?.close();
  });

  const large = () => ({
    customer: customerEmail,
    plan: "premium",
    amount: "15000.00",
    currency: "RUB",
    status: "succeeded" as const,
    reason: "Annual contract",
  });

  it("the payment form's action answers awaiting approval; the requester's own approve and reject are refused; another admin's applies it", async () => {
    signInAs(a.id);
    const before = await rowCounts(t.db);
    const created = await createPaymentAction(large());
    expect(created).toMatchObject({
      ok: true,
      data: { awaitingApproval: true, approvalRequestId: expect.any(String) },
    });
    if (!created.ok || !created.data.awaitingApproval) throw new Error("expected awaiting approval");
    const id = created.data.approvalRequestId;
    expect((await rowCounts(t.db)).payments).toBe(before.payments);

    const snap = await snapshot(t.db);
    expect(await approveRequestAction({ id, reason: "I approve my own" })).toMatchObject({
      ok: false,
      code: "forbidden",
      message: expect.stringMatching(/different admin/),
    });
    expect(await rejectRequestAction({ id, reason: "I reject my own" })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(await snapshot(t.db)).toEqual(snap);
    const [pending] = await t.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(pending?.status).toBe("pending");

    signInAs(b.id);
    const approved = await approveRequestAction({ id, reason: "Contract checked" });
    expect(approved).toMatchObject({
      ok: true,
      data: { status: "approved", result: { paymentId: expect.any(String) } },
    });
    expect((await rowCounts(t.db)).payments).toBe(before.payments + 1);
  });

  it("the refund dialog's action answers awaiting approval for a large full refund", async () => {
    const seed = ctxFor(
      t.db,
      { type: "staff", id: a.id, email: "admin@paydesk.test", name: "Test admin", role: "admin" },
      { via: "seed" },
    );
    const { payment } = await createPayment(seed, large());
    signInAs(a.id);
    const result = await refundAction({ paymentId: payment.id, reason: "Customer left" });
    expect(result).toMatchObject({
      ok: true,
      data: { outcome: "awaiting_approval", approvalRequestId: expect.any(String) },
    });
    const [p] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(p).toMatchObject({ status: "succeeded", refundedMinor: 0n });
  });
});
