import { expect as baseExpect, type Locator, type Page } from "@playwright/test";
import { uniqueSuffix } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";

/**
 * A literal public address: creating the endpoint needs no DNS and passes the SSRF rule. Nothing
 * listens there for this test; the endpoint subscribes to a type these journeys never emit.
 */
const targetUrl = () => `https://93.184.215.14/e2e/${uniqueSuffix()}`;

/** Page object for /settings/webhooks (kept beside its only spec). */
class OutboundWebhooksPage {
  readonly heading: Locator;
  readonly addButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Outbound webhooks", level: 1 });
    this.addButton = page.getByTestId("add-endpoint");
  }

  async goto() {
    const response = await this.page.goto("/settings/webhooks");
    await baseExpect(this.heading).toBeVisible();
    return response;
  }

  row(url: string): Locator {
    return this.page.getByTestId("endpoint-row").and(this.page.locator(`[data-url="${url}"]`));
  }

  status(url: string): Locator {
    return this.row(url).getByTestId("endpoint-status");
  }

  /** Creates an endpoint through the form and returns the secret shown once. */
  async create(url: string, events: string[]) {
    await this.addButton.click();
    const dialog = this.page.getByRole("dialog", { name: "Add endpoint" });
    await baseExpect(dialog).toBeVisible();
    await dialog.getByLabel("URL").fill(url);
    await dialog.getByLabel("Description").fill("Playwright receiver");
    for (const type of events) await dialog.getByRole("checkbox", { name: type, exact: true }).check();
    await dialog.getByTestId("create-endpoint-submit").click();
    const shown = this.page.getByRole("dialog", { name: "Endpoint signing secret" });
    await baseExpect(shown).toBeVisible();
    const secret = ((await shown.getByTestId("endpoint-secret").textContent()) ?? "").trim();
    baseExpect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await shown.getByRole("button", { name: "Done" }).click();
    await baseExpect(shown).toBeHidden();
    await baseExpect(this.row(url)).toBeVisible();
    return secret;
  }

  async disable(url: string, reason: string) {
    await this.row(url).getByTestId("disable-endpoint").click();
    const confirm = this.page.getByRole("alertdialog", { name: `Disable ${url}?` });
    await baseExpect(confirm).toBeVisible();
    await confirm.getByLabel("Reason (optional)").fill(reason);
    await confirm.getByTestId("confirm-disable-endpoint").click();
    await baseExpect(confirm).toBeHidden();
    await baseExpect(this.status(url)).toHaveText("Disabled");
  }
}

test.describe("outbound webhooks as admin", () => {
  test.use(asRole("admin"));

  test("create an endpoint, see its secret once, disable it", async ({ page }) => {
    const webhooks = new OutboundWebhooksPage(page);
    const url = targetUrl();
    await webhooks.goto();

    // Inline errors: nothing chosen, and a URL the SSRF rule refuses.
    await webhooks.addButton.click();
    const dialog = page.getByRole("dialog", { name: "Add endpoint" });
    await dialog.getByTestId("create-endpoint-submit").click();
    await expect(dialog.getByText("URL is required")).toBeVisible();
    await expect(dialog.getByText("Choose at least one event type")).toBeVisible();
    await dialog.getByLabel("URL").fill("https://127.0.0.1/hook");
    await dialog.getByRole("checkbox", { name: "payment.completed", exact: true }).check();
    await dialog.getByTestId("create-endpoint-submit").click();
    await expect(dialog.getByText(/127\.0\.0\.1 is a loopback address/)).toBeVisible();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();

    const secret = await webhooks.create(url, ["customer.erased"]);
    await expect(webhooks.status(url)).toHaveText("Enabled");
    await expect(webhooks.row(url)).toContainText("customer.erased");
    await expect(webhooks.row(url)).toContainText("None yet");
    // Shown once: gone from the page once its dialog closed, and after a reload.
    await expect(page.getByTestId("endpoint-secret")).toHaveCount(0);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await expect(webhooks.row(url)).toBeVisible();
    expect(await page.content()).not.toContain(secret);

    await webhooks.disable(url, "Playwright is done with it");
    await page.reload();
    await expect(webhooks.status(url)).toHaveText("Disabled");
    await expect(webhooks.row(url)).toContainText("Playwright is done with it");

    // The detail page: the endpoint, an empty delivery log, and Enable instead of Disable.
    await webhooks.row(url).getByTestId("endpoint-link").click();
    await expect(page.getByRole("heading", { level: 1, name: url })).toBeVisible();
    await expect(page.getByTestId("deliveries-empty")).toBeVisible();
    await expect(page.getByTestId("enable-endpoint")).toBeVisible();
    await expect(page.getByTestId("disable-endpoint")).toHaveCount(0);
  });

  test("rotating shows a new secret once", async ({ page }) => {
    const webhooks = new OutboundWebhooksPage(page);
    const url = targetUrl();
    await webhooks.goto();
    const first = await webhooks.create(url, ["customer.erased"]);
    await webhooks.row(url).getByTestId("rotate-endpoint-secret").click();
    const confirm = page.getByRole("alertdialog", { name: `Rotate the secret of ${url}?` });
    await confirm.getByTestId("confirm-rotate-secret").click();
    const shown = page.getByRole("dialog", { name: "New signing secret" });
    await expect(shown).toBeVisible();
    await expect(shown).toContainText("The previous secret keeps signing until");
    const second = ((await shown.getByTestId("endpoint-secret").textContent()) ?? "").trim();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    await shown.getByRole("button", { name: "Done" }).click();
    expect(await page.content()).not.toContain(second);
  });
});

test.describe("outbound webhooks as support", () => {
  test.use(asRole("support"));

  test("/settings/webhooks answers 403", async ({ page }) => {
    const response = await page.goto("/settings/webhooks");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    await expect(page.getByTestId("add-endpoint")).toHaveCount(0);
  });
});
