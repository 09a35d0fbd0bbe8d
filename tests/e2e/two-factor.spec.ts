import { expect as baseExpect, type Page } from "@playwright/test";
import { authenticator } from "otplib";
import { uniqueEmail, uniqueSuffix } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";

/**
 * A code as an authenticator app would show it. `aheadSteps` = 1 gives the next 30-second
 * step's code, which the server accepts (±1 step) and which is always newer than the one
 * enrolment just used (a replayed step is refused).
 */
function codeFor(secret: string, aheadSteps = 0): string {
  return authenticator.clone({ epoch: Date.now() + aheadSteps * 30_000, window: 0 }).generate(secret);
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: /^Account menu for / }).click();
  await page.getByRole("menu").getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?notice=signed-out$/);
}

async function passwordStep(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: /^(Sign in|Signing in…)$/ }).click();
  // The password alone opens nothing: the code step follows, and the browser stays on /login.
  await expect(page.getByTestId("second-factor-form")).toBeVisible();
  await baseExpect(page).toHaveURL(/\/login/);
  const cookies = await page.context().cookies();
  expect(cookies.some((c) => /authjs\.session-token/.test(c.name))).toBe(false);
}

// Journey: a support member turns on two-factor sign-in, signs in with a computed code and
// with a recovery code (once only), and an admin resets it.
test.describe("two-factor sign-in", () => {
  test.use(asRole("admin"));

  test("enrol, sign in with a code and with a recovery code, admin reset", async ({
    staffPage,
    openSession,
  }) => {
    test.slow();
    const email = uniqueEmail("totp", "paydesk.test");
    await staffPage.goto();
    const oneTime = await staffPage.create({ email, name: "Totp Member", role: "support" });

    const member = await openSession(null);
    const page = member.page;
    await member.loginPage.goto();
    await member.loginPage.signInSuccessfully(email, oneTime);
    const own = `own-password-${uniqueSuffix()}`;
    await member.accountPassword.choose(oneTime, own);

    // Enrol: the QR code, the key by hand (read from the page), a first code.
    await page.goto("/account/security");
    await expect(page.getByRole("heading", { name: "Two-factor sign-in", level: 1 })).toBeVisible();
    await expect(page.getByTestId("two-factor-status")).toHaveText("Off");
    await page.getByTestId("two-factor-start").click();
    await expect(page.getByTestId("totp-qr")).toBeVisible();
    const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // A wrong code first: an inline error, nothing turned on.
    await page.getByLabel("Code from the app").fill(codeFor(secret, 10));
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect(page.getByText(/That code is not valid/)).toBeVisible();
    await page.getByLabel("Code from the app").fill(codeFor(secret));
    await page.getByRole("button", { name: "Turn on" }).click();
    const codes = page.getByTestId("recovery-code");
    await expect(codes).toHaveCount(10);
    const recovery = (await codes.allTextContents()).map((c) => c.trim());
    await page.getByTestId("recovery-codes-done").click();
    await expect(page.getByTestId("two-factor-status")).toHaveText("On");
    await expect(page.getByTestId("recovery-codes-left")).toHaveText("10 of 10");
    await page.reload();
    expect(await page.content()).not.toContain(recovery[0]!);

    // Sign out, then in: password, then a computed code.
    await signOut(page);
    await passwordStep(page, email, own);
    const codeInput = page.getByLabel("Authentication code");
    await expect(codeInput).toHaveAttribute("autocomplete", "one-time-code");
    await expect(codeInput).toHaveAttribute("inputmode", "numeric");
    await codeInput.fill(codeFor(secret, 20));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await expect(page.getByTestId("login-error")).toHaveText(/That code is not valid/);
    await codeInput.fill(codeFor(secret, 1));
    await codeInput.press("Enter");
    await page.waitForURL((url) => url.pathname !== "/login");
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();

    // A recovery code instead of the app, once.
    await signOut(page);
    await passwordStep(page, email, own);
    await page.getByTestId("toggle-recovery-code").click();
    await page.getByLabel("Recovery code").fill(recovery[0]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.waitForURL((url) => url.pathname !== "/login");
    await page.goto("/account/security");
    await expect(page.getByTestId("recovery-codes-left")).toHaveText("9 of 10");

    await signOut(page);
    await passwordStep(page, email, own);
    await page.getByTestId("toggle-recovery-code").click();
    await page.getByLabel("Recovery code").fill(recovery[0]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await expect(page.getByTestId("login-error")).toHaveText(
      "That recovery code is not valid, or it was used already.",
    );
    await page.getByLabel("Recovery code").fill(recovery[1]!);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.waitForURL((url) => url.pathname !== "/login");

    // The admin resets the member's second factor: their session ends, the password alone signs in again.
    await staffPage.goto();
    await staffPage.row(email).getByRole("button", { name: "Reset second factor" }).click();
    const dialog = staffPage.page.getByRole("dialog", { name: /Reset the second factor/ });
    await dialog.getByLabel("Reason").fill("Lost phone, verified by a call");
    await dialog.getByRole("button", { name: "Reset second factor" }).click();
    await expect(dialog).toBeHidden();
    await expect(staffPage.row(email).getByRole("button", { name: "Reset second factor" })).toHaveCount(0);
    await page.goto("/payments");
    await expect(page).toHaveURL(/\/login\?notice=ended$/);
    await member.loginPage.signInSuccessfully(email, own);
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  });
});
