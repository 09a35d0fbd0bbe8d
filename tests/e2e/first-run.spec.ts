import { expect, signedOut, test } from "./support/fixtures";

// The first-run page exists only while the database has no staff at all. The suite's server
// runs with demo data (SEED_DEMO=1), so here it must be gone for everyone, signed in or not.
test.describe("first-run page", () => {
  test.use(signedOut);

  test("is not found once a staff account exists, and /login does not point to it", async ({
    page,
    request,
  }) => {
    const answer = await request.get("/setup", { maxRedirects: 0 });
    expect(answer.status()).toBe(404);
    const posted = await request.post("/setup", { maxRedirects: 0, form: { email: "x@example.com" } });
    expect(posted.status()).not.toBe(200);
    await page.goto("/login");
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });
});
