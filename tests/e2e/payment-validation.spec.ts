import { uniqueEmail } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";

// Journey 4: an invalid amount is refused on the Amount field with the shared schema's
// message (lib/money/money.ts parseAmount), and nothing else the admin typed is lost.
test.describe("invalid amounts on the new payment form", () => {
  test.use(asRole("admin"));

  test("too many decimals and non-numbers are refused inline; the form keeps its values", async ({
    page,
    newPayment,
    paymentsList,
  }) => {
    const email = uniqueEmail("invalid-amount");
    await newPayment.goto();
    await newPayment.createCustomerInline(email, "Invalid Amount");
    const typed = {
      plan: "Basic",
      amount: "12.345",
      currency: "RUB",
      status: "succeeded" as const,
      method: "Cash",
      description: "Paid at the front desk",
      reason: "Cash receipt 0815",
    };
    await newPayment.fill(typed);
    await newPayment.submit.click();

    await expect(newPayment.fieldError("amount")).toHaveText("RUB allows at most 2 decimal places");
    await expect(newPayment.amount).toHaveAttribute("aria-invalid", "true");
    await expect(newPayment.amount).toBeFocused();
    await expectKept();

    await newPayment.amount.fill("abc");
    await newPayment.submit.click();
    await expect(newPayment.fieldError("amount")).toHaveText('"abc" is not a decimal amount like 599.00');
    await expectKept("abc");

    // Nothing was recorded for this customer.
    await paymentsList.gotoCustomer(email);
    await expect(paymentsList.rows).toHaveCount(0);
    await expect(page.getByText("No payments match these filters")).toBeVisible();

    async function expectKept(amount = typed.amount) {
      await expect(page).toHaveURL(/\/payments\/new$/);
      await expect(newPayment.customer).toContainText(email);
      await expect(newPayment.amount).toHaveValue(amount);
      await expect(newPayment.currency).toHaveValue(typed.currency);
      await expect(newPayment.plan.locator("option:checked")).toHaveText(typed.plan);
      await expect(newPayment.status).toHaveValue(typed.status);
      await expect(newPayment.method.locator("option:checked")).toHaveText(typed.method);
      await expect(newPayment.description).toHaveValue(typed.description);
      await expect(newPayment.reason).toHaveValue(typed.reason);
      for (const field of ["customer", "plan", "currency", "reason", "description"] as const) {
        await expect(newPayment.fieldError(field)).toHaveCount(0);
      }
    }
  });
});
