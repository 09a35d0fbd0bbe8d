import { describe, expect, it } from "vitest";
import { lastJson, useCliProcess } from "../support/cli";

/** The CLI end to end, as a separate process against a temporary database of its own. */
describe("CLI", () => {
  const { cli } = useCliProcess("paydesk-cli-");

  const ADMIN = ["--actor", "root@paydesk.test"];

  it("does the whole job: staff, customer, payments, status, refund, subscriptions, audit", async () => {
    // First account on an empty database: no --actor needed, password from stdin.
    const boot = await cli(
      [
        "staff",
        "create",
        "--email",
        "root@paydesk.test",
        "--name",
        "Root",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
      ],
      "a-long-enough-password\n",
    );
    expect(boot.stderr).toBe("");
    expect(boot.code).toBe(0);
    expect(lastJson(boot.stdout)).toMatchObject({
      user: { email: "root@paydesk.test", role: "admin" },
      oneTimePassword: null,
    });

    const support = await cli([
      "staff",
      "create",
      "--email",
      "help@paydesk.test",
      "--name",
      "Help",
      "--role",
      "support",
      ...ADMIN,
      "--json",
    ]);
    expect(support.code).toBe(0);
    expect(String(lastJson(support.stdout).oneTimePassword)).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const customer = await cli([
      "customers",
      "create",
      "--email",
      "Anna@Example.com",
      "--name",
      "Anna Petrova",
      ...ADMIN,
      "--json",
    ]);
    expect(customer.code).toBe(0);
    const customerId = String(lastJson(customer.stdout).id);
    expect(lastJson(customer.stdout).email).toBe("anna@example.com");

    const created = await cli([
      "payments",
      "create",
      "--customer",
      "ANNA@example.com",
      "--amount",
      "599.00",
      "--currency",
      "RUB",
      "--plan",
      "premium",
      "--method",
      "bank_transfer",
      "--reason",
      "invoice 17 sent",
      "--idempotency-key",
      "cli-test-key-1",
      ...ADMIN,
      "--json",
    ]);
    expect(created.code).toBe(0);
    const payment = lastJson(created.stdout);
    expect(payment).toMatchObject({
      status: "pending",
      amountMinor: "59900",
      amount: "599.00",
      currency: "RUB",
      created: true,
    });
    const paymentId = String(payment.id);

    // Same key, same request: the same payment, nothing new.
    const again = await cli([
      "payments",
      "create",
      "--customer",
      customerId,
      "--amount",
      "599",
      "--currency",
      "rub",
      "--plan",
      "premium",
      "--method",
      "bank_transfer",
      "--reason",
      "invoice 17 sent",
      "--idempotency-key",
      "cli-test-key-1",
      ...ADMIN,
      "--json",
    ]);
    expect(again.code).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ id: paymentId, created: false });

    const succeeded = await cli([
      "payments",
      "status",
      paymentId,
      "succeeded",
      "--reason",
      "transfer arrived",
      ...ADMIN,
      "--json",
    ]);
    expect(succeeded.code).toBe(0);
    const sub = lastJson(succeeded.stdout).subscription as {
      currentPeriodEnd: string;
      days: number;
      status: string;
    };
    expect(sub).toMatchObject({ days: 30, status: "active" });
    const end = Date.parse(sub.currentPeriodEnd);
    expect(Math.abs(end - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);

    const shown = await cli(["subscriptions", "show", "anna@example.com", "--json"]);
    expect(shown.code).toBe(0);
    expect(lastJson(shown.stdout)).toMatchObject({
      currentPeriodEnd: sub.currentPeriodEnd,
      status: "active",
    });

    const list = await cli([
      "payments",
      "list",
      "--customer",
      "anna@example.com",
      "--status",
      "succeeded",
      "--json",
    ]);
    expect(list.code).toBe(0);
    expect(lastJson(list.stdout)).toMatchObject({ count: 1 });
    const human = await cli(["payments", "list"]);
    expect(human.stdout).toContain(paymentId);
    expect(human.stdout).toContain("599.00 RUB");

    const partial = await cli([
      "payments",
      "refund",
      paymentId,
      "--amount",
      "100.00",
      "--reason",
      "goodwill",
      ...ADMIN,
      "--json",
    ]);
    expect(partial.code).toBe(0);
    expect(lastJson(partial.stdout)).toMatchObject({ status: "partially_refunded", refundedMinor: "10000" });

    const tooMuch = await cli([
      "payments",
      "refund",
      paymentId,
      "--amount",
      "500.00",
      "--reason",
      "too much",
      ...ADMIN,
    ]);
    expect(tooMuch.code).toBe(2);
    expect(tooMuch.stderr.trim()).toBe("error: At most 499.00 RUB is left to refund");

    const full = await cli([
      "payments",
      "refund",
      paymentId,
      "--reason",
      "customer left",
      ...ADMIN,
      "--json",
    ]);
    expect(full.code).toBe(0);
    expect(lastJson(full.stdout)).toMatchObject({ status: "refunded", refundedMinor: "59900" });
    const afterRefund = await cli(["subscriptions", "show", customerId, "--json"]);
    expect(lastJson(afterRefund.stdout)).toMatchObject({ status: "expired" });

    const detail = await cli(["payments", "show", paymentId]);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toContain("refunded");
    expect(detail.stdout).toContain("goodwill");

    const trial = await cli([
      "payments",
      "create",
      "--customer",
      "anna@example.com",
      "--amount",
      "0",
      "--currency",
      "RUB",
      "--plan",
      "basic",
      "--trial",
      "--reason",
      "webinar",
      ...ADMIN,
      "--json",
    ]);
    expect(trial.code).toBe(0);
    expect(lastJson(trial.stdout)).toMatchObject({
      kind: "trial",
      status: "succeeded",
      subscription: { days: 7, status: "trialing" },
    });
    const secondTrial = await cli([
      "payments",
      "create",
      "--customer",
      "anna@example.com",
      "--amount",
      "0",
      "--currency",
      "RUB",
      "--plan",
      "basic",
      "--trial",
      "--reason",
      "again",
      ...ADMIN,
    ]);
    expect(secondTrial.code).toBe(2);
    expect(secondTrial.stderr).toMatch(/^error: This customer has already had a trial of this plan/);

    const verify = await cli(["audit", "verify", "--json"]);
    expect(verify.code).toBe(0);
    expect(lastJson(verify.stdout)).toMatchObject({ ok: true, firstBroken: null });
    expect(Number(lastJson(verify.stdout).checked)).toBeGreaterThanOrEqual(10);
  }, 300_000);

  it("refuses bad input and non-admins with one clear line and a non-zero exit", async () => {
    /** `payments create` for a customer and amount, with everything else valid. */
    const create = (customer: string, amount: string, ...rest: string[]) => [
      "payments",
      "create",
      "--customer",
      customer,
      "--amount",
      amount,
      "--currency",
      "RUB",
      "--reason",
      "x y z",
      ...rest,
    ];
    const cases: { args: string[]; code: number; message: RegExp }[] = [
      {
        args: create("anna@example.com", "12.345", ...ADMIN),
        code: 2,
        message: /RUB allows at most 2 decimal places/,
      },
      { args: create("anna@example.com", "1e3", ...ADMIN), code: 2, message: /not a decimal amount/ },
      { args: create("anna@example.com", "-5", ...ADMIN), code: 2, message: /cannot be negative/ },
      { args: create("anna@example.com", "NaN", ...ADMIN), code: 2, message: /not a decimal amount/ },
      { args: create("nobody@example.com", "5", ...ADMIN), code: 2, message: /No customer matches/ },
      {
        args: create("anna@example.com", "5", "--actor", "help@paydesk.test"),
        code: 4,
        message: /not an admin/,
      },
      { args: create("anna@example.com", "5"), code: 1, message: /--actor/ },
      {
        args: ["payments", "show", "00000000-0000-4000-8000-000000000000"],
        code: 3,
        message: /No payment with id/,
      },
      {
        args: ["payments", "status", "not-a-uuid", "succeeded", "--reason", "x y z", ...ADMIN],
        code: 2,
        message: /Not a valid payment id/,
      },
      { args: ["payments", "list", "--status", "bogus"], code: 2, message: /Allowed choices are/ },
      { args: ["payments", "list", "--limit", "1.5"], code: 2, message: /expected a whole number/ },
      {
        args: ["payments", "show", "--", "------------------------------------"],
        code: 3,
        message: /No payment with id/,
      },
      {
        args: [
          "payments",
          "refund",
          "00000000-0000-4000-8000-000000000000",
          "--amount",
          "",
          "--reason",
          "x y z",
          ...ADMIN,
        ],
        code: 2,
        message: /Enter an amount/,
      },
    ];
    for (const c of cases) {
      const r = await cli(c.args);
      expect(r.code, c.args.join(" ")).toBe(c.code);
      expect(r.stderr, c.args.join(" ")).toMatch(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  }, 300_000);
});
