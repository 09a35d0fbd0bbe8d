import { uniqueEmail, uniqueSuffix } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";
import { demoEmail } from "./support/roles";

const INCORRECT = "Email or password is incorrect.";

// Journey 7: an admin manages a support account from creation to password reset.
test.describe("staff management as admin", () => {
  test.use(asRole("admin"));

  test("create, disable, enable and reset the password of a support account", async ({
    staffPage,
    openSession,
  }) => {
    const email = uniqueEmail("support", "paydesk.test");
    await staffPage.goto();
    const oneTime = await staffPage.create({ email, name: "New Support", role: "support" });
    await expect(staffPage.state(email)).toHaveText("One-time password");
    await expect(staffPage.row(email).getByRole("cell").nth(1)).toHaveText("support");
    await staffPage.page.reload();
    expect(await staffPage.page.content()).not.toContain(oneTime);

    // The one-time password signs in, in a browser of its own, and opens only the page
    // where the account chooses its own password.
    const member = await openSession(null);
    await member.loginPage.goto();
    await member.loginPage.signInSuccessfully(email, oneTime);
    await expect(member.page).toHaveURL(/\/account\/password$/);
    await expect(member.accountPassword.heading).toHaveText("Choose your password");
    await member.page.goto("/payments");
    await expect(member.page).toHaveURL(/\/account\/password$/);
    const own = `own-password-${uniqueSuffix()}`;
    await member.accountPassword.choose(oneTime, own);
    await expect(member.paymentsList.heading).toBeVisible();
    await member.page.getByRole("button", { name: /^Account menu for / }).click();
    await expect(member.page.getByTestId("current-role")).toHaveText("support");
    await member.page.keyboard.press("Escape");
    await staffPage.goto();
    await expect(staffPage.state(email)).toHaveText("Active");

    // Disabled: no new sign-in, and the open session is sent to the sign-in page.
    await staffPage.disable(email);
    await member.page.goto("/payments");
    await expect(member.page).toHaveURL(/\/login\?notice=ended$/);
    await expect(member.loginPage.message).toHaveText("Your session has ended. Sign in again to continue.");
    const other = await openSession(null);
    await other.loginPage.goto();
    // A disabled account answers like a wrong password: the form never reveals an account.
    await other.loginPage.signInExpectingError(email, own, INCORRECT);

    // Enabled again: the same password works.
    await staffPage.enable(email);
    await other.loginPage.signInSuccessfully(email, own);
    await expect(other.page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();

    // Reset: the old password stops working; the new one-time password signs in (and must
    // be replaced again).
    const reset = await staffPage.resetPassword(email);
    expect(reset).not.toBe(oneTime);
    await expect(staffPage.state(email)).toHaveText("One-time password");
    const fresh = await openSession(null);
    await fresh.loginPage.goto();
    await fresh.loginPage.signInExpectingError(email, own, INCORRECT);
    await fresh.loginPage.signInSuccessfully(email, reset);
    await expect(fresh.page).toHaveURL(/\/account\/password$/);
    await expect(fresh.accountPassword.heading).toHaveText("Choose your password");
  });

  test("the admin's own row has no Disable button", async ({ staffPage }) => {
    await staffPage.goto();
    const self = staffPage.row(demoEmail("admin"));
    await expect(self).toContainText("(you)");
    await expect(self.getByRole("button", { name: "Reset password" })).toBeVisible();
    await expect(self.getByRole("button", { name: "Disable" })).toHaveCount(0);
    // Everyone else can be disabled from the list.
    await expect(staffPage.row(demoEmail("support")).getByRole("button", { name: "Disable" })).toBeVisible();
  });
});
