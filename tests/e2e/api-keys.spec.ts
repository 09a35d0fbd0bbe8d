import { type Locator, type Page, request as playwrightRequest } from "@playwright/test";
import { createPaidCustomer } from "./support/admin-api";
import { uniqueSuffix } from "./support/data";
import { E2E_BASE_URL } from "./support/env";
import { asRole, expect, test } from "./support/fixtures";
import { storageStateOf } from "./support/roles";
import { callServerAction, serverActionId } from "./support/server-actions";

const ACTIONS_FILE = "app/(admin)/settings/api-keys/actions.ts";

/** /settings/api-keys (kept in this spec: the page objects folder belongs to the shared suite). */
class ApiKeysPage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly createButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "API keys", level: 1 });
    this.table = page.getByRole("table", { name: "API keys" });
    this.createButton = page.getByTestId("create-api-key");
  }

  async goto() {
    const response = await this.page.goto("/settings/api-keys");
    await expect(this.heading).toBeVisible();
    return response;
  }

  row(name: string): Locator {
    return this.page
      .getByTestId("api-key-row")
      .filter({ has: this.page.getByRole("cell", { name, exact: true }) });
  }

  /** Creates a key through the dialog and returns it, read from the one place it is shown. */
  async create(name: string): Promise<string> {
    await this.createButton.click();
    const dialog = this.page.getByRole("dialog", { name: "Create API key" });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByTestId("create-api-key-submit").click();
    const shown = this.page.getByRole("dialog", { name: "API key created" });
    await expect(shown).toBeVisible();
    await expect(shown.getByRole("alert")).toContainText("It will not be shown again");
    const code = shown.getByTestId("api-key-secret");
    await expect(code).toHaveText(/^pdk_[A-Za-z0-9_-]{43}$/);
    const key = ((await code.textContent()) ?? "").trim();
    await expect(shown.getByTestId("copy-api-key")).toBeVisible();
    await shown.getByTestId("api-key-done").click();
    await expect(shown).toBeHidden();
    await expect(this.row(name)).toBeVisible();
    return key;
  }

  async revoke(name: string) {
    await this.row(name).getByTestId("revoke-api-key").click();
    const confirm = this.page.getByRole("alertdialog", { name: `Revoke ${name}?` });
    await expect(confirm).toBeVisible();
    await confirm.getByTestId("confirm-revoke-api-key").click();
    await expect(confirm).toBeHidden();
    await expect(this.row(name).getByTestId("api-key-status")).toHaveText("Revoked");
  }
}

/** An API client with no session at all: the key is its only credential. */
async function product() {
  return playwrightRequest.newContext({ baseURL: E2E_BASE_URL, storageState: { cookies: [], origins: [] } });
}

test.describe("API keys as admin", () => {
  test.use(asRole("admin"));

  test("create a key, see it once, use it against the API, revoke it and get 401", async ({ page }) => {
    const customer = await createPaidCustomer("api-key");
    const keys = new ApiKeysPage(page);
    const response = await keys.goto();
    expect(response?.status()).toBe(200);

    const name = `Cinema site ${uniqueSuffix()}`;
    const key = await keys.create(name);
    // Shown once: after the dialog closed, nothing on the page holds it, nor after a reload.
    expect(await page.content()).not.toContain(key);
    await page.reload();
    await expect(keys.heading).toBeVisible();
    expect(await page.content()).not.toContain(key);
    const row = keys.row(name);
    await expect(row.getByTestId("api-key-prefix")).toHaveText(`${key.slice(0, 10)}…`);
    await expect(row.getByTestId("api-key-status")).toHaveText("Active");
    await expect(row.getByTestId("api-key-uses")).toHaveText("0");
    await expect(row.getByTestId("api-key-last-used")).toHaveText("Never");

    const api = await product();
    const url = `/api/v1/customers/${encodeURIComponent(customer.email.toUpperCase())}/entitlements`;
    const answer = await api.get(url, { headers: { authorization: `Bearer ${key}` } });
    expect(answer.status()).toBe(200);
    expect(answer.headers()["cache-control"]).toBe("no-store");
    expect(await answer.json()).toEqual({
      customer: { id: customer.customerId, externalRef: null },
      entitlements: [
        { plan: "premium", status: "active", validUntil: expect.stringMatching(/Z$/), trial: false },
      ],
    });
    // The API and the customer page agree on the date.
    const validUntil = (await answer.json()).entitlements[0].validUntil as string;
    await page.goto(`/customers/${customer.customerId}`);
    await expect(page.getByTestId("subscription").getByTestId("valid-until")).toHaveAttribute(
      "datetime",
      validUntil,
    );
    await expect(page.getByTestId("subscription").getByTestId("subscription-status")).toHaveAttribute(
      "data-status",
      "active",
    );

    const anonymous = await api.get(url);
    expect(anonymous.status()).toBe(401);
    expect(anonymous.headers()["content-type"]).toBe("application/problem+json");
    expect(anonymous.headers()["www-authenticate"]).toMatch(/^Bearer /);

    // The use is counted and its time shown.
    await keys.goto();
    await expect(row.getByTestId("api-key-uses")).toHaveText("1");
    await expect(row.getByTestId("api-key-last-used")).not.toHaveText("Never");

    await keys.revoke(name);
    const refused = await api.get(url, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status()).toBe(401);
    expect(refused.headers()["content-type"]).toBe("application/problem+json");
    expect((await refused.json()).status).toBe(401);
    await expect(row.getByTestId("revoke-api-key")).toHaveCount(0);
    await api.dispose();
  });

  test("a name that is too long is refused inline, and nothing is created", async ({ page }) => {
    const keys = new ApiKeysPage(page);
    await keys.goto();
    await keys.createButton.click();
    const dialog = page.getByRole("dialog", { name: "Create API key" });
    await dialog.getByLabel("Name").fill("x".repeat(101));
    await dialog.getByTestId("create-api-key-submit").click();
    await expect(dialog.getByText("Name must be at most 100 characters")).toBeVisible();
    await expect(dialog.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("dialog", { name: "API key created" })).toHaveCount(0);
  });

  test("the OpenAPI document is served to anyone", async () => {
    const api = await product();
    const doc = await api.get("/api/v1/openapi.json");
    expect(doc.status()).toBe(200);
    const body = await doc.json();
    expect(body.openapi).toMatch(/^3\.1\./);
    expect(body.paths).toHaveProperty("/customers/{ref}/entitlements");
    await api.dispose();
  });
});

test.describe("support cannot manage API keys", () => {
  test.use(asRole("support"));

  test("the page answers 403 and the navigation has no link to it", async ({ page }) => {
    const response = await page.goto("/settings/api-keys");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    await page.goto("/payments");
    await expect(
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }),
    ).toHaveCount(0);
  });

  test("calling the create action directly is refused and no key is shown", async () => {
    const api = await playwrightRequest.newContext({
      baseURL: E2E_BASE_URL,
      storageState: storageStateOf("support"),
    });
    const called = await callServerAction(api, {
      // The page refuses support (403), but an action posted to it still runs its own check.
      page: "/settings/api-keys",
      actionId: serverActionId(ACTIONS_FILE, "createApiKeyAction"),
      args: [{ name: "Sneaky" }],
    });
    expect(called.result, called.body).toMatchObject({ ok: false, code: "forbidden" });
    expect(called.body).not.toContain("pdk_");
    await api.dispose();
  });
});
