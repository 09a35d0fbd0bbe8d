import { uniqueEmail } from "./support/data";
import { expect, signedOut, test } from "./support/fixtures";
import { DEMO_PASSWORD, demoEmail } from "./support/roles";

// Journey 2. The server allows 30 failed sign-ins per address per 15 minutes for the whole
// suite: this file uses 6 of them (1 wrong password, 1 unknown email, 4 wrong passwords
// before the fifth locks the account; refusals of a locked account are not counted) and
// staff.spec.ts 1 more. Keep the total well below 30 (a CI retry can double it).
const INCORRECT = "Email or password is incorrect.";
const LOCKED = "Too many failed attempts. Sign-in for this account is locked for 15 minutes.";

test.describe("refused sign-ins", () => {
  test.use(signedOut);

  test("a wrong password is refused and the email is kept", async ({ page, loginPage }) => {
    await loginPage.goto();
    await loginPage.signInExpectingError(demoEmail("admin"), "not-the-password", INCORRECT);
    await expect(page).toHaveURL(/\/login$/);
    await expect(loginPage.email).toHaveValue(demoEmail("admin"));
    await expect(loginPage.email).toHaveAttribute("aria-invalid", "true");
  });

  test("an unknown email gets exactly the same answer as a wrong password", async ({ page, loginPage }) => {
    const unknown = uniqueEmail("nobody", "paydesk.test");
    await loginPage.goto();
    await loginPage.signInExpectingError(unknown, "whatever-password", INCORRECT);
    await expect(page).toHaveURL(/\/login$/);
    await expect(loginPage.email).toHaveValue(unknown);
  });

  test("five wrong passwords lock the account; then even the right one is refused", async ({
    loginPage,
    openSession,
  }) => {
    // An account of this test's own, made by an admin on the staff page.
    const admin = await openSession("admin");
    const email = uniqueEmail("lockout", "paydesk.test");
    await admin.staffPage.goto();
    const password = await admin.staffPage.create({ email, name: "Lock Out", role: "support" });

    await loginPage.goto();
    for (let attempt = 1; attempt <= 4; attempt++) {
      await loginPage.signInExpectingError(email, `wrong-password-${attempt}`, INCORRECT);
    }
    await loginPage.signInExpectingError(email, "wrong-password-5", LOCKED);
    await expect(loginPage.email).toHaveValue(email);

    await loginPage.signInExpectingError(email, password, LOCKED);

    // The admin sees the lock on the staff page.
    await admin.staffPage.goto();
    await expect(admin.staffPage.state(email)).toHaveText(/^Locked until /);
  });
});

test("the demo password still works for the other tests", async ({ openSession }) => {
  // Guards the shared demo accounts: nothing above may have locked them.
  const fresh = await openSession(null);
  await fresh.loginPage.goto();
  await fresh.loginPage.signInSuccessfully(demoEmail("admin"), DEMO_PASSWORD);
  await expect(fresh.page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
});
