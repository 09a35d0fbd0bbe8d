import { expect, type Locator, type Page } from "@playwright/test";

/** /account/password: where a one-time password is replaced, or one's own password changed. */
export class AccountPasswordPage {
  readonly heading: Locator;
  readonly currentPassword: Locator;
  readonly newPassword: Locator;
  readonly confirmPassword: Locator;
  readonly save: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1, name: /^(Choose your password|Change password)$/ });
    this.currentPassword = page.getByRole("textbox", { name: "Current password", exact: true });
    this.newPassword = page.getByRole("textbox", { name: "New password", exact: true });
    this.confirmPassword = page.getByRole("textbox", { name: "Repeat the new password", exact: true });
    this.save = page.getByRole("button", { name: /^(Save password|Saving…)$/ });
  }

  async goto() {
    const response = await this.page.goto("/account/password");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** Replaces `current` with `next` and waits for the app to let the user in (/payments). */
  async choose(current: string, next: string) {
    await expect(this.heading).toBeVisible();
    await this.currentPassword.fill(current);
    await this.newPassword.fill(next);
    await this.confirmPassword.fill(next);
    await this.save.click();
    await this.page.waitForURL(/\/payments$/);
  }
}
