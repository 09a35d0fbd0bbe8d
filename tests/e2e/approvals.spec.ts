import { ApprovalsPage, approvalIdFromUrl } from "./pages/approvals.page";
import { uniqueEmail, uniqueSuffix } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";

// Four eyes: a large manual payment waits for a different admin; the requester cannot approve it.
test.describe("four-eyes approval of a large manual payment", () => {
  test.use(asRole("admin"));

  test("admin A's 15,000 RUB payment awaits approval; A cannot approve; admin B approves; the payment exists", async ({
    page,
    newPayment,
    staffPage,
    openSession,
  }) => {
    // A second admin, created here and signed in a browser of its own.
    const secondEmail = uniqueEmail("second-admin", "paydesk.test");
    await staffPage.goto();
    const oneTime = await staffPage.create({ email: secondEmail, name: "Second Admin", role: "admin" });
    const second = await openSession(null);
    await second.loginPage.goto();
    await second.loginPage.signInSuccessfully(secondEmail, oneTime);
    await second.accountPassword.choose(oneTime, `own-password-${uniqueSuffix()}`);

    // Admin A records a 15,000 RUB payment: held, nothing recorded yet.
    const customer = uniqueEmail("contract");
    await newPayment.goto();
    await newPayment.createCustomerInline(customer, "Contract Customer");
    await newPayment.fill({
      kind: "manual",
      plan: "Premium",
      amount: "15000.00",
      currency: "RUB",
      status: "succeeded",
      method: "Bank transfer",
      reason: "Annual contract paid by transfer",
    });
    await newPayment.expectEffect("extend");
    await newPayment.submit.click();
    await page.waitForURL(/\/approvals#request-[0-9a-f-]{36}$/);
    await expect(page.getByText("Awaiting approval", { exact: true }).first()).toBeVisible();
    const id = approvalIdFromUrl(page.url());

    const mine = new ApprovalsPage(page);
    await expect(mine.heading).toBeVisible();
    const own = mine.request(mine.yours, id);
    await expect(own).toBeVisible();
    await expect(own.getByTestId("approval-status")).toHaveAttribute("data-status", "pending");
    await expect(own).toContainText("15000.00 RUB");
    // A cannot approve their own request: no buttons, and it is not among those awaiting A.
    await expect(own.getByTestId("approve-request")).toHaveCount(0);
    await expect(mine.request(mine.awaiting, id)).toHaveCount(0);

    // Admin B sees it with the preview against the current state, and approves it.
    const theirs = new ApprovalsPage(second.page);
    await theirs.goto();
    const card = theirs.request(theirs.awaiting, id);
    await expect(card).toBeVisible();
    await expect(card.getByTestId("approval-current").getByTestId("effect-preview")).toHaveAttribute(
      "data-effect",
      "extend",
    );
    await expect(card.getByTestId("approval-changed")).toHaveCount(0);
    await theirs.decide(theirs.awaiting, id, "approve", "Contract checked against the bank statement");
    await expect(second.page.getByText("Approved and applied")).toBeVisible();
    const decided = theirs.request(theirs.history, id);
    await expect(decided.getByTestId("approval-status")).toHaveAttribute("data-status", "approved");

    // The payment exists: B opens it from the request.
    await decided.getByTestId("approval-payment-link").click();
    await second.page.waitForURL(/\/payments\/[0-9a-f-]{36}$/);
    await expect(second.page.getByText(customer).first()).toBeVisible();

    // A is told: the request shows its outcome in "Your requests".
    await mine.goto();
    await expect(mine.request(mine.yours, id).getByTestId("approval-status")).toHaveAttribute(
      "data-status",
      "approved",
    );
  });
});
