import { expect, type Locator, type Page } from "@playwright/test";

export class StaffPage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly addButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Staff", level: 1 });
    this.table = page.getByRole("table", { name: "Staff accounts" });
    this.addButton = page.getByRole("button", { name: "Add staff member" });
  }

  async goto() {
    const response = await this.page.goto("/staff");
    await expect(this.heading).toBeVisible();
    return response;
  }

  row(email: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByText(email, { exact: true }) });
  }

  /** The row's state badge text: Active, Disabled or Locked until …. */
  state(email: string): Locator {
    return this.row(email).getByRole("cell").nth(2);
  }

  /** Creates an account through the dialog and returns its one-time password. */
  async create(account: { email: string; name: string; role: "admin" | "support" | "auditor" }) {
    await this.addButton.click();
    const dialog = this.page.getByRole("dialog", { name: "Add staff member" });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel("Email").fill(account.email);
    await dialog.getByLabel("Name").fill(account.name);
    await dialog.getByLabel("Role").selectOption(account.role);
    await dialog.getByRole("button", { name: "Create account" }).click();
    const created = this.page.getByRole("dialog", { name: "Account created" });
    await expect(created).toBeVisible();
    const password = await this.readOneTimePassword(created);
    await created.getByRole("button", { name: "Done" }).click();
    await expect(created).toBeHidden();
    await expect(this.row(account.email)).toBeVisible();
    await this.expectNotShown(password);
    return password;
  }

  /** A one-time password is shown once: once its dialog is closed it is nowhere on the page. */
  private async expectNotShown(password: string) {
    await expect(this.page.getByTestId("one-time-password")).toHaveCount(0);
    expect(await this.page.content()).not.toContain(password);
  }

  private async readOneTimePassword(dialog: Locator): Promise<string> {
    const code = dialog.getByTestId("one-time-password");
    await expect(code).toHaveText(/\S{12,}/);
    return ((await code.textContent()) ?? "").trim();
  }

  async disable(email: string) {
    await this.row(email).getByRole("button", { name: "Disable" }).click();
    const confirm = this.page.getByRole("alertdialog", { name: `Disable ${email}?` });
    await expect(confirm).toBeVisible();
    await confirm.getByRole("button", { name: "Disable account" }).click();
    await expect(confirm).toBeHidden();
    await expect(this.state(email)).toHaveText("Disabled");
  }

  async enable(email: string) {
    await this.row(email).getByRole("button", { name: "Enable" }).click();
    await expect(this.state(email)).toHaveText("Active");
  }

  /** Resets the password through the confirmation and returns the new one-time password. */
  async resetPassword(email: string): Promise<string> {
    await this.row(email).getByRole("button", { name: "Reset password" }).click();
    const confirm = this.page.getByRole("alertdialog", { name: `Reset the password of ${email}?` });
    await expect(confirm).toBeVisible();
    await confirm.getByRole("button", { name: "Reset password" }).click();
    const shown = this.page.getByRole("dialog", { name: "New password" });
    await expect(shown).toBeVisible();
    const password = await this.readOneTimePassword(shown);
    await shown.getByRole("button", { name: "Done" }).click();
    await expect(shown).toBeHidden();
    await this.expectNotShown(password);
    return password;
  }
}
