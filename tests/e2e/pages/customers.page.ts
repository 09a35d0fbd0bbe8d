import { expect, type Locator, type Page } from "@playwright/test";

/** `/customers`: support's search screen. */
export class CustomersPage {
  readonly heading: Locator;
  readonly search: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly count: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Customers", level: 1 });
    this.search = page.getByRole("searchbox", { name: "Search customers" });
    this.table = page.getByRole("table", { name: /^Customers/ });
    this.rows = this.table.getByTestId("table-row");
    this.count = page.getByTestId("customers-count");
  }

  async goto() {
    const response = await this.page.goto("/customers");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** Types a search the way a person does and waits for the URL (and so the table) to follow. */
  async searchFor(text: string) {
    await this.search.fill(text);
    await expect(this.page).toHaveURL(
      new RegExp(`[?&]q=${encodeURIComponent(text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(&|$)`),
    );
    await expect(this.table).toHaveAccessibleName(`Customers matching “${text}”`);
  }
}

/** `/customers/[id]`: profile, subscriptions with their grants ledger, payment history. */
export class CustomerDetailPage {
  readonly profile: Locator;
  readonly payments: Locator;
  readonly paymentRows: Locator;
  readonly newPayment: Locator;

  constructor(readonly page: Page) {
    this.profile = page.getByTestId("customer-profile");
    this.payments = page.getByRole("table", { name: "Payments" });
    this.paymentRows = this.payments.getByTestId("table-row");
    this.newPayment = page.getByRole("link", { name: "New payment for this customer" });
  }

  heading(name: string) {
    return this.page.getByRole("heading", { name, level: 1 });
  }

  subscription(planName: string) {
    return this.page.getByRole("region", { name: planName });
  }

  ledger(planName: string) {
    return this.page.getByRole("table", { name: `Grants ledger: ${planName}` });
  }
}

/** The ⌘K / Ctrl+K command palette, on every signed-in page. */
export class CommandPalette {
  readonly trigger: Locator;
  readonly dialog: Locator;
  readonly input: Locator;
  readonly options: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId("command-palette-status");
    this.trigger = page.getByTestId("command-palette-trigger");
    this.dialog = page.getByRole("dialog", { name: "Go to a payment or customer" });
    this.input = this.dialog.getByRole("combobox", { name: "Go to a payment or customer" });
    this.options = this.dialog.getByRole("option");
  }

  async openWithKeyboard() {
    // A key pressed before the page has hydrated reaches no listener.
    await expect(this.trigger).toHaveAttribute("data-shortcut-ready", "true");
    await this.page.keyboard.press("Control+k");
    await expect(this.dialog).toBeVisible();
    await expect(this.input).toBeFocused();
  }
}
