import { eq } from "drizzle-orm";
import { notFound, redirect } from "next/navigation";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { z } from "zod";
import {
  changeStatusAction,
  createCustomerAction,
  createPaymentAction,
  refundAction,
} from "@/app/(admin)/payments/actions";
import { setStaffDisabledAction } from "@/app/(admin)/staff/actions";
import { customers, refunds } from "@/db/schema";
import { defineAction } from "@/lib/auth/action";
import type { SessionActor } from "@/lib/auth/session";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { ServiceError, type ServiceErrorCode } from "@/lib/errors";
import { captureLogs } from "@/lib/log/capture";
import { createPayment, recordProviderPayment } from "@/lib/payments/create";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { actAs, resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { ctxFor, insertStaff } from "../support/fixtures";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let t: TestDatabase;
let admin: SessionActor;

beforeAll(async () => {
  t = await freshDatabase();
  await ensurePlans(t.db);
  const row = await insertStaff(t.db, "admin", "admin@paydesk.test");
  admin = {
    type: "staff",
    id: row.id,
    email: row.email,
    name: row.name,
    role: "admin",
    mustChangePassword: false,
  };
  useActionDb(t.db);
});
afterAll(async () => {
  resetActionSession();
  await t?.close();
});
beforeEach(() => {
  useActionDb(t.db);
  actAs(admin);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A fake verb behind the real wrapper: a viewing permission, a small schema. */
function fakeAction<T>(run: (ctx: ServiceContext, input: { name: string }, raw: unknown) => Promise<T>) {
  const spy = vi.fn(run);
  const action = defineAction({
    permission: "payment.view",
    input: z.object({ name: z.string().trim().min(1, "Name is required") }),
    run: spy,
  });
  return { action, spy };
}

describe("defineAction: ServiceError → result", () => {
  const CASES: { code: ServiceErrorCode; message: string; fieldErrors: Record<string, string[]> }[] = [
    {
      code: "validation",
      message: "amount: Too many decimal places for RUB",
      fieldErrors: { amount: ["Too many decimal places for RUB"], "metadata.order": ["Must be a string"] },
    },
    { code: "not_found", message: "No payment with id 0000", fieldErrors: {} },
    { code: "forbidden", message: "x@paydesk.test (admin) is no longer an enabled admin", fieldErrors: {} },
    {
      code: "invalid_transition",
      message: "A failed payment is final: create a new payment instead",
      fieldErrors: {},
    },
    {
      code: "idempotency_conflict",
      message: "This idempotency key was already used for a payment with different parameters",
      fieldErrors: {},
    },
    {
      code: "conflict",
      message: "The payment changed since you opened it",
      fieldErrors: { _form: ["Reload"] },
    },
    { code: "provider_unavailable", message: "Stripe did not answer; nothing was refunded", fieldErrors: {} },
    {
      code: "provider_error",
      message: "Stripe refused the refund: charge_already_refunded",
      fieldErrors: {},
    },
  ];

  it.each(CASES)("$code → { ok: false, code: $code } with the service's own message", async (c) => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const { action, spy } = fakeAction(async () => {
      throw new ServiceError(c.code, c.message, c.fieldErrors);
    });
    const result = await action({ name: "x" });
    expect(result).toStrictEqual({ ok: false, code: c.code, message: c.message, fieldErrors: c.fieldErrors });
    expect(spy).toHaveBeenCalledTimes(1);
    // A refusal the user can act on is not an incident.
    expect(logs.lines()).toEqual([]);
  });

  it("ServiceError helpers keep their field errors (field, validation, notFound)", async () => {
    const field = await fakeAction(async () => {
      throw ServiceError.field("email", "A customer with this email already exists");
    }).action({ name: "x" });
    expect(field).toStrictEqual({
      ok: false,
      code: "validation",
      message: "A customer with this email already exists",
      fieldErrors: { email: ["A customer with this email already exists"] },
    });
    const missing = await fakeAction(async () => {
      throw ServiceError.notFound("No customer with id 1");
    }).action({ name: "x" });
    expect(missing).toStrictEqual({
      ok: false,
      code: "not_found",
      message: "No customer with id 1",
      fieldErrors: {},
    });
  });

  it("success → { ok: true, data } and the verb gets a web context, the parsed and the raw input", async () => {
    const { action, spy } = fakeAction(async (ctx, input) => ({ hello: input.name, via: ctx.via }));
    const result = await action({ name: "  Anna  " });
    expect(result).toStrictEqual({ ok: true, data: { hello: "Anna", via: "web" } });
    const [ctx, input, raw] = spy.mock.calls[0]!;
    expect(ctx.db).toBe(t.db);
    expect(ctx.actor).toEqual(admin);
    expect(ctx.requestId).toMatch(UUID);
    expect(input).toEqual({ name: "Anna" });
    expect(raw).toEqual({ name: "  Anna  " });
  });
});

describe("defineAction: input validation", () => {
  const schema = z.object({
    amount: z.string().min(1, "Enter an amount"),
    customer: z.object({ email: z.email("Enter a valid email address") }),
    items: z.array(z.object({ qty: z.number().int("Whole numbers only") })),
  });

  it("a zod failure → validation with field errors keyed by field path; the verb never runs, nothing is written", async () => {
    const run = vi.fn(async (ctx: ServiceContext) => {
      await ctx.db.insert(customers).values({ email: "never@example.com", name: "Never" });
    });
    const action = defineAction({ permission: "payment.view", input: schema, run });
    const before = await snapshot(t.db);
    const result = await action({
      amount: "",
      customer: { email: "nope" },
      items: [{ qty: 1 }, { qty: 1.5 }],
    });
    expect(result).toStrictEqual({
      ok: false,
      code: "validation",
      message: "Some fields need attention.",
      fieldErrors: {
        amount: ["Enter an amount"],
        "customer.email": ["Enter a valid email address"],
        "items.1.qty": ["Whole numbers only"],
      },
    });
    expect(run).not.toHaveBeenCalled();
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("one failing field → its message is the result's message", async () => {
    const { action, spy } = fakeAction(async () => "never");
    expect(await action({ name: "   " })).toStrictEqual({
      ok: false,
      code: "validation",
      message: "Name is required",
      fieldErrors: { name: ["Name is required"] },
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it("a whole-object failure is keyed _form; input that is not an object at all is a validation result", async () => {
    const action = defineAction({
      permission: "payment.view",
      input: z.object({ a: z.string().optional(), b: z.string().optional() }).refine((v) => v.a || v.b, {
        message: "Give a or b",
      }),
      run: async () => "never",
    });
    expect(await action({})).toStrictEqual({
      ok: false,
      code: "validation",
      message: "Give a or b",
      fieldErrors: { _form: ["Give a or b"] },
    });
    const { action: named } = fakeAction(async () => "never");
    const garbage = await named(null as never);
    expect(garbage).toMatchObject({ ok: false, code: "validation" });
    expect(Object.keys(garbage.ok ? {} : garbage.fieldErrors)).toEqual(["_form"]);
  });
});

describe("defineAction: session and permission come first", () => {
  it("no session → unauthenticated; the verb never runs", async () => {
    actAs(null);
    const { action, spy } = fakeAction(async () => "never");
    expect(await action({ name: "x" })).toStrictEqual({
      ok: false,
      code: "unauthenticated",
      message: "Your session has ended. Sign in again to continue.",
      fieldErrors: {},
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it("a role without the permission → forbidden naming the role; the verb never runs", async () => {
    actAs({ ...admin, role: "support" });
    const run = vi.fn(async () => "never");
    const action = defineAction({ permission: "staff.manage", input: z.object({}), run });
    const result = await action({});
    expect(result).toMatchObject({ ok: false, code: "forbidden", fieldErrors: {} });
    expect(result.ok ? "" : result.message).toContain("support");
    expect(run).not.toHaveBeenCalled();
  });
});

describe("defineAction: unexpected failures", () => {
  it("an unexpected Error → internal, with a reference id and not the error's text; logged with that id", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const secret = new Error('relation "payments" violates constraint payments_secret_ck at 10.0.0.5');
    const { action } = fakeAction(async () => {
      throw secret;
    });
    const result = await action({ name: "x" });
    expect(result).toMatchObject({ ok: false, code: "internal", fieldErrors: {} });
    if (result.ok) throw new Error("unreachable");
    const reference = result.message.match(UUID)?.[0];
    expect(reference, result.message).toBeDefined();
    expect(result.message).toContain(`Reference: ${reference}`);
    expect(result.message).not.toContain("payments_secret_ck");
    expect(result.message).not.toContain("10.0.0.5");
    expect(result.message).not.toContain("relation");
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "action failed",
        requestId: reference,
        err: expect.objectContaining({ message: secret.message }),
      }),
    ]);
  });

  it("a thrown non-Error is internal too", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const { action } = fakeAction(async () => {
      throw "boom: secret detail";
    });
    const result = await action({ name: "x" });
    expect(result).toMatchObject({ ok: false, code: "internal" });
    expect(result.ok ? "" : result.message).not.toContain("secret detail");
    expect(logs.lines().filter((l) => l.msg === "action failed")).toHaveLength(1);
  });

  it("a failing session lookup is internal, not a crash", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const { currentModuleMock } = await import("../support/action-session");
    currentModuleMock.currentActor.mockRejectedValueOnce(new Error("connection refused"));
    const { action, spy } = fakeAction(async () => "never");
    const result = await action({ name: "x" });
    expect(result).toMatchObject({ ok: false, code: "internal" });
    expect(result.ok ? "" : result.message).not.toContain("connection refused");
    expect(spy).not.toHaveBeenCalled();
    expect(logs.lines().filter((l) => l.msg === "action failed")).toHaveLength(1);
  });

  it("a Next.js redirect() is re-thrown, not turned into a result", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const { action } = fakeAction(async () => redirect("/login?notice=ended"));
    const thrown = await action({ name: "x" }).then(
      (r) => ({ resolved: r }),
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as { digest?: string }).digest).toMatch(/^NEXT_REDIRECT;.*;\/login\?notice=ended;/);
    expect(logs.lines()).toEqual([]);
  });

  it("a Next.js notFound() is re-thrown too", async () => {
    const logs = captureLogs();
    onTestFinished(logs.restore);
    const { action } = fakeAction(async () => notFound());
    const thrown = await action({ name: "x" }).then(
      (r) => ({ resolved: r }),
      (e: unknown) => e,
    );
    expect((thrown as { digest?: string }).digest).toMatch(/^NEXT_HTTP_ERROR_FALLBACK;404/);
    expect(logs.lines()).toEqual([]);
  });
});

describe("real actions through the wrapper", () => {
  let tag = 0;
  async function customer() {
    tag++;
    return createCustomer(ctxFor(t.db, admin), { email: `c${tag}@example.com`, name: `Customer ${tag}` });
  }

  beforeEach(() => {
    signInAs(admin.id);
  });

  it('createPaymentAction with amount "12.345" RUB → validation on amount, nothing written', async () => {
    const c = await customer();
    const before = await snapshot(t.db);
    const result = await createPaymentAction({
      customer: c.email,
      plan: "premium",
      amount: "12.345",
      currency: "RUB",
      reason: "bank transfer",
    });
    expect(result).toMatchObject({ ok: false, code: "validation" });
    if (result.ok) throw new Error("unreachable");
    expect(Object.keys(result.fieldErrors)).toEqual(["amount"]);
    expect(result.fieldErrors.amount).toHaveLength(1);
    expect(result.message).toBe(result.fieldErrors.amount![0]);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("createPaymentAction with several bad fields → one field error each", async () => {
    const before = await snapshot(t.db);
    const result = await createPaymentAction({
      customer: "",
      amount: "10.00",
      currency: "XXQ",
      reason: "",
    });
    expect(result).toMatchObject({ ok: false, code: "validation", message: "Some fields need attention." });
    if (result.ok) throw new Error("unreachable");
    expect(Object.keys(result.fieldErrors).sort()).toEqual(["currency", "customer", "reason"]);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("changeStatusAction to an invalid transition → invalid_transition, nothing written", async () => {
    const c = await customer();
    const { payment } = await createPayment(ctxFor(t.db, admin), {
      customer: c.email,
      amount: "100.00",
      currency: "RUB",
      reason: "seed",
    });
    expect(
      await changeStatusAction({ paymentId: payment.id, status: "failed", reason: "bounced" }),
    ).toMatchObject({
      ok: true,
      data: { status: "failed", changed: true },
    });
    const before = await snapshot(t.db);
    const result = await changeStatusAction({
      paymentId: payment.id,
      status: "succeeded",
      reason: "try again",
    });
    expect(result).toStrictEqual({
      ok: false,
      code: "invalid_transition",
      message: "A failed payment is final: create a new payment instead",
      fieldErrors: {},
    });
    const toRefunded = await changeStatusAction({
      paymentId: payment.id,
      status: "refunded",
      reason: "nope",
    });
    expect(toRefunded).toMatchObject({ ok: false, code: "invalid_transition" });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("changeStatusAction on an unknown payment → not_found", async () => {
    const result = await changeStatusAction({
      paymentId: "00000000-0000-4000-8000-000000000000",
      status: "succeeded",
      reason: "no such payment",
    });
    expect(result).toMatchObject({ ok: false, code: "not_found", fieldErrors: {} });
    expect(result.ok ? "" : result.message).toContain("00000000-0000-4000-8000-000000000000");
  });

  it("the same idempotency key: same parameters → the original payment; different ones → idempotency_conflict", async () => {
    const c = await customer();
    const input = {
      customer: c.email,
      plan: "basic",
      amount: "299.00",
      currency: "RUB",
      idempotencyKey: `wrapper-test-key-${tag}`,
      reason: "bank transfer",
    };
    const first = await createPaymentAction(input);
    expect(first).toMatchObject({ ok: true, data: { created: true } });
    const again = await createPaymentAction(input);
    expect(again).toMatchObject({ ok: true, data: { created: false } });
    expect(again.ok && first.ok && again.data.id).toBe(first.ok && first.data.id);

    const before = await snapshot(t.db);
    const other = await createPaymentAction({ ...input, amount: "300.00" });
    expect(other).toStrictEqual({
      ok: false,
      code: "idempotency_conflict",
      message: "This idempotency key was already used for a payment with different parameters",
      fieldErrors: {},
    });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("refundAction: more than is left → validation on amount; a provider's payment → provider_unavailable", async () => {
    const c = await customer();
    const { payment } = await createPayment(ctxFor(t.db, admin), {
      customer: c.email,
      amount: "100.00",
      currency: "RUB",
      status: "succeeded",
      reason: "seed",
    });
    const before = await snapshot(t.db);
    const tooMuch = await refundAction({ paymentId: payment.id, amount: "100.01", reason: "customer asked" });
    expect(tooMuch).toMatchObject({
      ok: false,
      code: "validation",
      fieldErrors: { amount: [expect.any(String)] },
    });

    const taken = await recordProviderPayment(ctxFor(t.db, { type: "system", id: "system:stripe" }), {
      provider: "stripe",
      providerPaymentId: `pi_wrapper_${tag}`,
      customer: c.email,
      plan: null,
      amountMinor: 5_000n,
      currency: "USD",
      status: "succeeded",
    });
    const mid = await snapshot(t.db);
    const provider = await refundAction({ paymentId: taken.payment.id, reason: "customer asked" });
    expect(provider).toMatchObject({
      ok: false,
      code: "provider_unavailable",
      message: expect.stringContaining("STRIPE_SECRET_KEY"),
      fieldErrors: {},
    });
    // The refund request is written (pending, keyed) before Stripe is asked; nothing left
    // Paydesk, so it is closed as failed and nothing else moved: no payment, grant or
    // subscription change, and a new refund may be asked for.
    const after = await snapshot(t.db);
    expect(after.payments).toEqual(mid.payments);
    expect(after.subscriptions).toEqual(mid.subscriptions);
    expect(after.subscription_grants).toEqual(mid.subscription_grants);
    const rows = await t.db.select().from(refunds).where(eq(refunds.paymentId, taken.payment.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: "failed",
      amountMinor: 5_000n,
      providerRefundId: null,
      idempotencyKey: `paydesk-refund-${rows[0]!.id}`,
      failureReason: expect.stringContaining("STRIPE_SECRET_KEY"),
    });
    expect(mid.payments.length).toBe(before.payments.length + 1);
  });

  it("createCustomerAction with an existing email → validation on email; setStaffDisabledAction on yourself → conflict", async () => {
    const c = await customer();
    const before = await snapshot(t.db);
    const dup = await createCustomerAction({ email: c.email.toUpperCase(), name: "Someone Else" });
    expect(dup).toMatchObject({
      ok: false,
      code: "validation",
      fieldErrors: { email: ["A customer with this email already exists"] },
    });
    const self = await setStaffDisabledAction({ staffId: admin.id, disabled: true, reason: "oops" });
    expect(self).toMatchObject({ ok: false, code: "conflict", fieldErrors: {} });
    expect(await snapshot(t.db)).toEqual(before);
  });
});
