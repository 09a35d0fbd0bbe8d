import { expect, type Locator, type Page } from "@playwright/test";

export interface PaymentFields {
  kind?: "manual" | "trial";
  /** Plan name as shown in the select ("Premium"), or "No plan". */
  plan?: string;
  amount?: string;
  currency?: string;
  /** "pending" or "succeeded". */
  status?: "pending" | "succeeded";
  /** Method label ("Bank transfer", "Cash", …). */
  method?: string;
  description?: string;
  reason?: string;
}

export class NewPaymentPage {
  readonly heading: Locator;
  readonly form: Locator;
  readonly customer: Locator;
  readonly customerSearch: Locator;
  readonly paidType: Locator;
  readonly trialType: Locator;
  readonly plan: Locator;
  readonly amount: Locator;
  readonly currency: Locator;
  readonly method: Locator;
  readonly status: Locator;
  readonly description: Locator;
  readonly reason: Locator;
  readonly effect: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "New payment", level: 1 });
    this.form = page.locator("form#new-payment-form");
    this.customer = this.form.getByRole("combobox", { name: "Customer" });
    this.customerSearch = page.getByRole("combobox", { name: "Search customers" });
    this.paidType = this.form.getByRole("radio", { name: "Paid (manual)" });
    this.trialType = this.form.getByRole("radio", { name: "Free trial" });
    this.plan = this.form.getByLabel("Plan");
    this.amount = this.form.getByLabel("Amount");
    this.currency = this.form.getByLabel("Currency");
    this.method = this.form.getByLabel("Method");
    this.status = this.form.getByLabel("Status");
    this.description = this.form.getByLabel("Description");
    this.reason = this.form.getByLabel("Reason");
    this.effect = this.form.getByTestId("effect-preview");
    this.submit = this.form.getByRole("button", { name: /^(Record payment|Start trial|Recording…)$/ });
  }

  async goto(customer?: string) {
    const response = await this.page.goto(
      customer ? `/payments/new?customer=${encodeURIComponent(customer)}` : "/payments/new",
    );
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** The inline error message under a field (the Field component's `<id>-error`). */
  fieldError(field: "customer" | "plan" | "amount" | "currency" | "reason" | "description"): Locator {
    return this.form.locator(`#${field}-error`);
  }

  async openCustomerPicker() {
    await this.customer.click();
    await expect(this.customerSearch).toBeVisible();
  }

  /** Waits until the picker's search has answered ("Searching…" gone). */
  async searchSettled() {
    await expect(this.page.getByRole("listbox").getByText("Searching…")).toHaveCount(0);
  }

  /** Opens the picker, searches and picks the customer with this email. */
  async pickCustomer(email: string) {
    await this.openCustomerPicker();
    await this.customerSearch.fill(email);
    await this.searchSettled();
    await this.page
      .getByRole("option", { name: new RegExp(escapeRegExp(email)) })
      .filter({ hasNotText: "New customer" })
      .click();
    await expect(this.customer).toContainText(email);
  }

  /** Opens the picker, types an unknown email and creates the customer in the dialog. */
  async createCustomerInline(email: string, name: string) {
    await this.openCustomerPicker();
    await this.customerSearch.fill(email);
    const create = this.page.getByRole("option", { name: `New customer “${email}”` });
    await expect(create).toBeVisible();
    await this.searchSettled();
    await expect(this.page.getByRole("option", { name: new RegExp(escapeRegExp(email)) })).toHaveCount(1);
    await create.click();
    const dialog = this.page.getByRole("dialog", { name: "New customer" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Email")).toHaveValue(email);
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByRole("button", { name: "Create customer" }).click();
    await expect(dialog).toBeHidden();
    await expect(this.customer).toContainText(email);
  }

  async fill(fields: PaymentFields) {
    if (fields.kind === "trial") await this.trialType.check();
    if (fields.kind === "manual") await this.paidType.check();
    if (fields.plan !== undefined) await this.plan.selectOption({ label: fields.plan });
    if (fields.amount !== undefined) await this.amount.fill(fields.amount);
    if (fields.currency !== undefined) await this.currency.fill(fields.currency);
    if (fields.status !== undefined) await this.status.selectOption(fields.status);
    if (fields.method !== undefined) await this.method.selectOption({ label: fields.method });
    if (fields.description !== undefined) await this.description.fill(fields.description);
    if (fields.reason !== undefined) await this.reason.fill(fields.reason);
  }

  /** Waits for the effect preview to settle on an answer (extend, revoke, none or refused). */
  async expectEffect(kind: "extend" | "revoke" | "none" | "refused", text?: string | RegExp) {
    await expect(this.effect).toHaveAttribute("data-effect", kind);
    if (text !== undefined) await expect(this.effect).toContainText(text);
  }

  /** Submits and waits for the detail page of the new payment; returns its id. */
  async submitAndOpenDetail(): Promise<string> {
    await this.submit.click();
    await this.page.waitForURL(/\/payments\/[0-9a-f-]{36}$/);
    return paymentIdFromUrl(this.page.url());
  }
}

export function paymentIdFromUrl(url: string): string {
  const match = /\/payments\/([0-9a-f-]{36})$/.exec(new URL(url).pathname);
  if (!match?.[1]) throw new Error(`not a payment detail URL: ${url}`);
  return match[1];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
