import { request as playwrightRequest } from "@playwright/test";
import { uniqueEmail } from "./support/data";
import { E2E_BASE_URL } from "./support/env";
import { asRole, expect, test } from "./support/fixtures";
import { type Role, storageStateOf } from "./support/roles";
import { callServerAction, serverActionId } from "./support/server-actions";

const ACTIONS_FILE = "app/(admin)/payments/actions.ts";

/** A valid create-payment input, exactly as the form sends it. */
function paymentInput(customer: string) {
  return {
    customer,
    plan: "premium",
    kind: "manual",
    amount: "599.00",
    currency: "RUB",
    status: "succeeded",
    method: "bank_transfer",
    description: "Direct call",
    reason: "Sent straight to the server action",
    idempotencyKey: crypto.randomUUID(),
  };
}

/** An API client carrying a role's saved session cookie. */
async function apiAs(role: Role) {
  return playwrightRequest.newContext({ baseURL: E2E_BASE_URL, storageState: storageStateOf(role) });
}

// The technique itself, proven with the role that may use it: the same request an admin's
// browser would send creates a customer and a payment. Without this, a "forbidden" below
// could come from a malformed request rather than from the permission check.
test("a direct server-action call works for an admin (control)", async ({ openSession }) => {
  const api = await apiAs("admin");
  const email = uniqueEmail("direct-admin");
  const customer = await callServerAction(api, {
    page: "/payments/new",
    actionId: serverActionId(ACTIONS_FILE, "createCustomerAction"),
    args: [{ email, name: "Direct Admin" }],
  });
  expect(customer.result, customer.body).toMatchObject({ ok: true, data: { email } });
  const created = await callServerAction(api, {
    page: "/payments/new",
    actionId: serverActionId(ACTIONS_FILE, "createPaymentAction"),
    args: [paymentInput(email)],
  });
  expect(created.result, created.body).toMatchObject({ ok: true, data: { status: "succeeded" } });
  await api.dispose();

  const admin = await openSession("admin");
  await admin.paymentsList.gotoCustomer(email);
  await expect(admin.paymentsList.rows).toHaveCount(1);
});

for (const role of ["support", "auditor"] as const) {
  // Journey 6: read-only roles see payments but cannot change anything, by page or by action.
  test.describe(`${role} is read-only`, () => {
    test.use(asRole(role));

    test("reads the payments list and a payment without any action buttons", async ({
      page,
      paymentsList,
      paymentDetail,
    }) => {
      const response = await paymentsList.goto();
      expect(response?.status()).toBe(200);
      await expect(paymentsList.rows.first()).toBeVisible();
      expect(await paymentsList.rows.count()).toBeGreaterThan(1);
      await expect(paymentsList.newPayment).toHaveCount(0);
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText([
        "Overview",
        "Payments",
        "Customers",
        // With the number of items waiting there, if any.
        /^Review/,
        "Webhooks",
        "Audit log",
      ]);

      await paymentsList.rows.first().getByRole("link").first().click();
      await expect(paymentDetail.heading).toBeVisible();
      await expect(paymentDetail.statusBadge).toBeVisible();
      await expect(paymentDetail.actions).toHaveCount(0);
      for (const name of [/^Mark /, "Refund", "Edit details", "Cancel payment", "Void trial"]) {
        await expect(page.getByRole("main").getByRole("button", { name })).toHaveCount(0);
      }
    });

    for (const path of ["/payments/new", "/staff"]) {
      test(`${path} answers 403`, async ({ page }) => {
        const response = await page.goto(path);
        expect(response?.status()).toBe(403);
        await expect(
          page.getByRole("heading", { name: "You do not have access to this page" }),
        ).toBeVisible();
      });
    }

    test("calling the create actions directly is refused and records nothing", async ({ openSession }) => {
      const api = await apiAs(role);
      const email = uniqueEmail(`direct-${role}`);

      const customer = await callServerAction(api, {
        page: "/payments/new",
        actionId: serverActionId(ACTIONS_FILE, "createCustomerAction"),
        args: [{ email, name: "Should Not Exist" }],
      });
      expect(customer.status).toBe(200);
      expect(customer.result, customer.body).toMatchObject({ ok: false, code: "forbidden" });

      // A payment for an existing customer (made by an admin, through the same technique).
      const adminApi = await apiAs("admin");
      const made = await callServerAction(adminApi, {
        page: "/payments/new",
        actionId: serverActionId(ACTIONS_FILE, "createCustomerAction"),
        args: [{ email, name: `Target of ${role}` }],
      });
      expect(made.result, made.body).toMatchObject({ ok: true });
      await adminApi.dispose();

      for (const page of ["/payments/new", "/payments"]) {
        const created = await callServerAction(api, {
          page,
          actionId: serverActionId(ACTIONS_FILE, "createPaymentAction"),
          args: [paymentInput(email)],
        });
        expect(created.status).toBe(200);
        expect(created.body).toContain('"forbidden"');
        expect(created.result).toMatchObject({
          ok: false,
          code: "forbidden",
          message: `Your role (${role}) is not allowed to create payments.`,
        });
      }
      await api.dispose();

      // Checked as admin: the customer has no payments.
      const admin = await openSession("admin");
      await admin.paymentsList.gotoCustomer(email);
      await expect(admin.page.getByText("No payments match these filters")).toBeVisible();
      await expect(admin.paymentsList.rows).toHaveCount(0);
    });
  });
}
