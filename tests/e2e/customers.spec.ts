import { CommandPalette, CustomerDetailPage, CustomersPage } from "./pages/customers.page";
import { createPaidCustomer } from "./support/admin-api";
import { asRole, expect, test } from "./support/fixtures";

// Journey 10: support finds a customer by a fragment of the email, reads subscriptions, the
// grants ledger and the payment history, and jumps around with the command palette.
test.describe("support finds customers", () => {
  test.use(asRole("support"));

  test("search by an email fragment, then subscriptions, grants and history", async ({ page }) => {
    const paid = await createPaidCustomer("findme");
    const list = new CustomersPage(page);
    const detail = new CustomerDetailPage(page);

    await list.goto();
    // Ten characters from the middle of the unique address, in capitals: partial and
    // case-insensitive.
    const fragment = paid.email.split("@")[0]!.slice(-10).toUpperCase();
    await list.searchFor(fragment);
    await expect(list.rows).toHaveCount(1);
    await expect(list.rows.first()).toContainText(paid.email);
    await list.rows.first().getByRole("link", { name: paid.name }).click();

    await expect(page).toHaveURL(`/customers/${paid.customerId}`);
    await expect(detail.heading(paid.name)).toBeVisible();
    await expect(detail.profile).toContainText(paid.email);
    await expect(detail.profile.getByTestId("customer-id")).toHaveText(paid.customerId);

    const premium = detail.subscription("Premium");
    await expect(premium.getByTestId("subscription-status")).toHaveAttribute("data-status", "active");
    // 30 days from now (the plan's period), as an ISO instant on the <time> element.
    const validUntil = await premium.getByTestId("valid-until").getAttribute("datetime");
    const days = (Date.parse(validUntil ?? "") - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const grants = detail.ledger("Premium").getByTestId("grant-row");
    await expect(grants).toHaveCount(1);
    await expect(grants.first()).toHaveAttribute("data-payment-id", paid.paymentId);
    await expect(grants.first()).toHaveAttribute("data-revoked", "false");

    await expect(detail.paymentRows).toHaveCount(1);
    await expect(detail.paymentRows.first()).toContainText("RUB");
    // Support reads; it never gets the admin's shortcut to record a payment.
    await expect(detail.newPayment).toHaveCount(0);
  });

  test("the command palette jumps to a customer by email and to a payment by id", async ({ page }) => {
    const paid = await createPaidCustomer("palette");
    const palette = new CommandPalette(page);

    await page.goto("/payments");
    await palette.openWithKeyboard();
    await palette.input.fill(paid.email);
    await expect(palette.status).toHaveText(/Found the customer/);
    await palette.input.press("Enter");
    await expect(page).toHaveURL(`/customers/${paid.customerId}`);
    await expect(page.getByRole("heading", { name: paid.name, level: 1 })).toBeVisible();

    await palette.trigger.click();
    await expect(palette.dialog).toBeVisible();
    await palette.input.fill(paid.paymentId);
    await palette.input.press("Enter");
    await expect(page).toHaveURL(`/payments/${paid.paymentId}`);

    // A name fragment lists matches to pick with the keyboard.
    await palette.openWithKeyboard();
    await palette.input.fill(paid.name.split(" ").slice(2).join(" "));
    const option = palette.options.filter({ hasText: paid.email });
    await expect(option).toHaveCount(1);
    await option.click();
    await expect(page).toHaveURL(`/customers/${paid.customerId}`);
  });
});

test.describe("admin on a customer", () => {
  test.use(asRole("admin"));

  test("starts a new payment for this customer, preselected", async ({ page }) => {
    const paid = await createPaidCustomer("newfor");
    const detail = new CustomerDetailPage(page);
    await page.goto(`/customers/${paid.customerId}`);
    await detail.newPayment.click();
    await expect(page).toHaveURL(new RegExp(`/payments/new\\?customer=${paid.customerId}$`));
    await expect(page.getByRole("main")).toContainText(paid.email);
  });
});
