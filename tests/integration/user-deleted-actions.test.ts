import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { dismissSuggestionAction, retryParkedAction } from "@/app/(admin)/review/actions";
import { customers, inboundMessages, refundSuggestions } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { handleUserDeleted } from "@/lib/accounts/user-deleted";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { createPayment } from "@/lib/payments/create";
import { resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt, insertStaff } from "../support/fixtures";

// The request seams of a server action: who is signed in (and which database), and Next's cache.
vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

/** The review list's two new actions, through the real wrapper and permission map. */

let t: TestDatabase;
let clock: Clock;
let ctx: ServiceContext;
const staff: Partial<Record<StaffRole, string>> = {};

beforeAll(async () => {
  t = await freshDatabase();
  clock = clockAt("2026-01-01T00:00:00.000Z");
  const base = await baseline(t.db, clock);
  ctx = base.ctx;
  staff.admin = base.admin.id;
  staff.support = (await insertStaff(t.db, "support")).id;
  staff.auditor = (await insertStaff(t.db, "auditor")).id;
  useActionDb(t.db);
});
afterAll(async () => {
  resetActionSession();
  await t.close();
});

let suggestionId: string;
let parkedId: string;

beforeEach(async () => {
  // A fresh customer with a paid period, deleted ten days in: one suggestion; and a parked message.
  const tag = Math.random().toString(36).slice(2, 8);
  const c = await createCustomer(ctx, {
    email: `c-${tag}@example.com`,
    name: `C ${tag}`,
    externalRef: `ref-${tag}`,
  });
  await createPayment(ctx, {
    customer: c.id,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    status: "succeeded",
    method: "cash",
    reason: "cash",
  });
  await handleUserDeleted(
    t.db,
    {
      subject: "accounts.user.deleted",
      messageId: `del-${tag}`,
      body: JSON.stringify({ user_id: `ref-${tag}` }),
    },
    { now: () => new Date(clock.now().getTime() + 10 * 86_400_000) },
  );
  const [s] = await t.db.select().from(refundSuggestions).where(eq(refundSuggestions.customerId, c.id));
  suggestionId = s!.id;
  const parked = await handleUserDeleted(t.db, {
    subject: "accounts.user.deleted",
    messageId: `park-${tag}`,
    body: JSON.stringify({ email: `later-${tag}@example.com` }),
  });
  if (parked.outcome !== "parked") throw new Error("expected a parked message");
  parkedId = parked.inboundId;
});

describe("dismissSuggestionAction", () => {
  it.each(["support", "auditor"] as const)("refuses %s and changes nothing", async (role) => {
    signInAs(staff[role]!);
    const result = await dismissSuggestionAction({ suggestionId, reason: "not owed" });
    expect(result).toMatchObject({ ok: false, code: "forbidden" });
    const [s] = await t.db.select().from(refundSuggestions).where(eq(refundSuggestions.id, suggestionId));
    expect(s?.status).toBe("open");
  });

  it("refuses a signed-out request", async () => {
    signInAs(null);
    expect(await dismissSuggestionAction({ suggestionId, reason: "not owed" })).toMatchObject({
      ok: false,
      code: "unauthenticated",
    });
  });

  it("asks for a reason, then lets an admin dismiss", async () => {
    signInAs(staff.admin!);
    const missing = await dismissSuggestionAction({ suggestionId, reason: "" });
    expect(missing).toMatchObject({ ok: false, code: "validation" });
    expect(missing.ok ? null : missing.fieldErrors.reason).toBeTruthy();
    expect(await dismissSuggestionAction({ suggestionId, reason: "not owed under the terms" })).toEqual({
      ok: true,
      data: { id: suggestionId, status: "dismissed" },
    });
  });
});

describe("retryParkedAction", () => {
  it.each(["support", "auditor"] as const)("refuses %s and changes nothing", async (role) => {
    signInAs(staff[role]!);
    expect(await retryParkedAction({ inboundId: parkedId, reason: "try again" })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    const [row] = await t.db.select().from(inboundMessages).where(eq(inboundMessages.id, parkedId));
    expect(row?.status).toBe("parked");
  });

  it("lets an admin retry: still parked while the customer is unknown, processed once it exists", async () => {
    signInAs(staff.admin!);
    const still = await retryParkedAction({ inboundId: parkedId, reason: "try again" });
    expect(still).toMatchObject({
      ok: true,
      data: { outcome: "parked", reason: expect.stringMatching(/^No customer/) },
    });
    const [row] = await t.db.select().from(inboundMessages).where(eq(inboundMessages.id, parkedId));
    const email = (row!.payload as { email: string }).email;
    const [later] = await t.db.insert(customers).values({ email, name: "Later" }).returning();
    const done = await retryParkedAction({ inboundId: parkedId, reason: "the customer exists now" });
    expect(done).toEqual({ ok: true, data: { outcome: "processed", reason: null, alreadyErased: false } });
    const [c] = await t.db.select().from(customers).where(eq(customers.id, later!.id));
    expect(c?.erasedAt).not.toBeNull();
  });
});
