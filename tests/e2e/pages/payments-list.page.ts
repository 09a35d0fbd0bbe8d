import { expect, type Locator, type Page } from "@playwright/test";

export type ListParams = Record<string, string>;

export class PaymentsListPage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly count: Locator;
  readonly search: Locator;
  readonly newPayment: Locator;
  readonly columnsButton: Locator;
  readonly nextPage: Locator;
  readonly previousPage: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Payments", level: 1 });
    this.table = page.getByRole("table", { name: "Payments" });
    this.rows = this.table.getByTestId("table-row");
    this.count = page.getByTestId("payments-count");
    this.search = page.getByRole("searchbox", { name: "Search customer email or name" });
    this.newPayment = page.getByRole("link", { name: "New payment" });
    this.columnsButton = page.getByRole("button", { name: "Columns" });
    this.nextPage = page.getByRole("link", { name: "Next page" });
    this.previousPage = page.getByRole("link", { name: "Previous page" });
  }

  async goto(params: ListParams = {}) {
    const query = new URLSearchParams(params).toString();
    const response = await this.page.goto(query ? `/payments?${query}` : "/payments");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** The list filtered to one customer (`?q=<email>`). */
  async gotoCustomer(email: string) {
    return this.goto({ q: email });
  }

  /** Column headers, in order, as shown. */
  async columnHeaders(): Promise<string[]> {
    const names = await this.table.getByRole("columnheader").allInnerTexts();
    return names.map((n) => n.trim());
  }

  columnHeader(name: string): Locator {
    return this.table.getByRole("columnheader", { name });
  }

  /** Clicks a sortable column's header button. */
  async sortBy(column: string) {
    await this.columnHeader(column).getByRole("button", { name: column }).click();
  }

  /** Ticks an option of a facet filter (Status, Kind, Provider) and closes the menu. */
  async filterFacet(facet: string, option: string) {
    await this.page.getByRole("button", { name: new RegExp(`^${facet}`) }).click();
    const menu = this.page.getByRole("menu");
    await menu.getByRole("menuitemcheckbox", { name: option }).click();
    await expect(menu.getByRole("menuitemcheckbox", { name: option })).toBeChecked();
    await this.page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
  }

  /** Shows or hides a column through the Columns menu. */
  async setColumnVisible(column: string, visible: boolean) {
    await this.columnsButton.click();
    const menu = this.page.getByRole("menu");
    const item = menu.getByRole("menuitemcheckbox", { name: column });
    if ((await item.getAttribute("aria-checked")) !== String(visible)) await item.click();
    await expect(item).toHaveAttribute("aria-checked", String(visible));
    await this.page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
  }

  /** Visible text of every row, for comparing two renderings of the same page. */
  async rowTexts(): Promise<string[]> {
    return this.rows.allInnerTexts();
  }

  /** The detail-page link of each row, in order (unique per payment). */
  async rowLinks(): Promise<string[]> {
    return this.rows.evaluateAll((rows) =>
      rows.map((row) => row.querySelector("a[href^='/payments/']")?.getAttribute("href") ?? ""),
    );
  }

  /** Waits until the table is no longer loading a new URL. */
  async settled() {
    await expect(this.page.locator("[aria-busy='true']")).toHaveCount(0);
  }
}
