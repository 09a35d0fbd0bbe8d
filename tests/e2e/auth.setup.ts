import { expect, test as setup } from "@playwright/test";
import { LoginPage } from "./pages/login.page";
import { DEMO_PASSWORD, demoEmail, ROLES, storageStateOf } from "./support/roles";

// One real sign-in per role through the form; the specs reuse the saved cookies.
for (const role of ROLES) {
  setup(`sign in as ${role}`, async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto();
    await login.signIn(demoEmail(role), DEMO_PASSWORD);
    // Signing in without a destination lands on the overview.
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
    await page.context().storageState({ path: storageStateOf(role) });
  });
}
