import { expect, signedOut, test } from "./support/fixtures";
import { DEMO_PASSWORD, demoEmail } from "./support/roles";

// Journey 1: the real form, the user menu's "Sign out", and the return to where one was going.
test.describe("sign-in and sign-out", () => {
  test.use(signedOut);

  test("admin signs in through the form and signs out from the user menu", async ({
    page,
    loginPage,
    playwright,
  }) => {
    await loginPage.goto();
    await loginPage.signInSuccessfully(demoEmail("admin"), DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();

    const session = (await page.context().cookies()).find((c) => /authjs\.session-token$/.test(c.name));
    expect(session, "session cookie after sign-in").toBeTruthy();

    await page.getByRole("button", { name: /^Account menu for / }).click();
    const menu = page.getByRole("menu");
    await expect(menu.getByTestId("current-role")).toHaveText("admin");
    await expect(menu).toContainText(demoEmail("admin"));
    await menu.getByRole("menuitem", { name: "Sign out" }).click();

    await expect(page).toHaveURL(/\/login\?notice=signed-out$/);
    await expect(loginPage.message).toHaveText("You have signed out.");

    // The session cookie is gone: a protected page sends us back to the form.
    await page.goto("/payments");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fpayments$/);
    await expect(loginPage.submit).toBeVisible();

    // A copy of the signed-out cookie is refused by the server, not only dropped by the browser.
    const replay = await playwright.request.newContext();
    const answer = await replay.get("/payments", {
      headers: { cookie: `${session!.name}=${session!.value}` },
      maxRedirects: 0,
    });
    expect(answer.status()).toBe(307);
    expect(answer.headers().location).toMatch(/\/login/);
    await replay.dispose();
  });

  test("a request still in flight at sign-out cannot bring the session back", async ({
    page,
    loginPage,
    playwright,
  }) => {
    // Link prefetches run all the time; one sent just before "Sign out" is answered after it.
    // The server must not re-issue the session cookie in that answer, or the browser would be
    // signed in again (it was, before proxy.ts stopped next-auth's per-request re-issue).
    await loginPage.goto();
    await loginPage.signInSuccessfully(demoEmail("admin"), DEMO_PASSWORD);
    const session = (await page.context().cookies()).find((c) => /authjs\.session-token$/.test(c.name));
    expect(session, "session cookie after sign-in").toBeTruthy();

    const inFlight = await playwright.request.newContext();
    const answer = await inFlight.get("/payments", {
      headers: { cookie: `${session!.name}=${session!.value}` },
      maxRedirects: 0,
    });
    expect(answer.status()).toBe(200);
    const reissued = answer
      .headersArray()
      .filter(
        (h) => h.name.toLowerCase() === "set-cookie" && /authjs\.session-token(\.\d+)?=[^;]/.test(h.value),
      );
    expect(reissued).toEqual([]);
    await inFlight.dispose();
  });

  test("a signed-out visit to /payments/new returns there after signing in", async ({
    page,
    loginPage,
    newPayment,
  }) => {
    await page.goto("/payments/new");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fpayments%2Fnew$/);
    await loginPage.signInSuccessfully(demoEmail("admin"), DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/payments\/new$/);
    await expect(newPayment.heading).toBeVisible();
  });
});
