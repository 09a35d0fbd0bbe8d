import { expect, type Locator, type Page } from "@playwright/test";

export class LoginPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  /** The form's one message: a refusal, or a notice such as "You have signed out." */
  readonly message: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel("Email");
    this.password = page.getByLabel("Password");
    this.submit = page.getByRole("button", { name: /^(Sign in|Signing in…)$/ });
    this.message = page.getByTestId("login-error");
  }

  async goto(callbackUrl?: string) {
    const query = callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : "";
    await this.page.goto(`/login${query}`);
    await expect(this.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  }

  /** Fills and submits the form; does not wait for the outcome. */
  async signIn(email: string, password: string) {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** Submits and waits for the form to answer with a refusal. */
  async signInExpectingError(email: string, password: string, message: string | RegExp) {
    await this.signIn(email, password);
    await expect(this.message).toHaveText(message);
    await expect(this.submit).toHaveText("Sign in");
  }

  /** Submits and waits until the browser has left the sign-in page. */
  async signInSuccessfully(email: string, password: string) {
    await this.signIn(email, password);
    await this.page.waitForURL((url) => url.pathname !== "/login");
  }
}
