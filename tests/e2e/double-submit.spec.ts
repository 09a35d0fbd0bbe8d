import type { Locator } from "@playwright/test";
import type { NewPaymentPage } from "./pages/new-payment.page";
import { uniqueEmail } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";
import { serverActionId } from "./support/server-actions";

// Journey 5: however the submit button is hammered, one form records one payment (the form
// sends one idempotency key; the server turns repeats of it into the original payment).
test.describe("double submit", () => {
  test.use(asRole("admin"));

  const variants: { name: string; submit: (button: Locator) => Promise<void> }[] = [
    { name: "a double click", submit: (button) => button.dblclick() },
    {
      name: "a second click fired without waiting for the first",
      submit: async (button) => {
        // Both are sent at once. Whichever comes second may find the button disabled (the
        // form is submitting) or gone (the detail page is showing): then it just times out.
        const clicks = await Promise.allSettled([
          button.click({ timeout: 3_000 }),
          button.click({ timeout: 3_000 }),
        ]);
        expect(clicks.some((click) => click.status === "fulfilled")).toBe(true);
      },
    },
    {
      name: "two clicks in the same task (before React can disable the button)",
      submit: (button) =>
        button.evaluate((el: HTMLButtonElement) => {
          el.click();
          el.click();
        }),
    },
  ];

  for (const variant of variants) {
    test(`${variant.name} records exactly one payment`, async ({ page, newPayment, paymentsList }) => {
      const email = uniqueEmail("double-submit");
      await prepare(newPayment, email);
      // How many create requests actually left the browser (for the report; one or more).
      const createId = serverActionId("app/(admin)/payments/actions.ts", "createPaymentAction");
      let sent = 0;
      page.on("request", (request) => {
        if (request.method() === "POST" && request.headers()["next-action"] === createId) sent++;
      });
      await variant.submit(newPayment.submit);
      await page.waitForURL(/\/payments\/[0-9a-f-]{36}$/);

      await paymentsList.gotoCustomer(email);
      await expect(paymentsList.rows).toHaveCount(1);
      await expect(paymentsList.count).toHaveText("1 payment");
      test.info().annotations.push({ type: "create requests sent", description: String(sent) });
      expect(sent).toBeGreaterThanOrEqual(1);
    });
  }
});

async function prepare(newPayment: NewPaymentPage, email: string) {
  await newPayment.goto();
  await newPayment.createCustomerInline(email, "Double Submit");
  await newPayment.fill({
    plan: "Basic",
    status: "succeeded",
    method: "Card",
    reason: "Card terminal slip 7731",
  });
  await newPayment.expectEffect("extend", "Basic");
}
