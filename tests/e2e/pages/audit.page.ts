import { expect, type Locator, type Page } from "@playwright/test";

/** `/audit`: the audit trail, its filters, per-entry diffs and the CSV export. */
export class AuditPage {
  readonly heading: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly count: Locator;
  readonly actor: Locator;
  readonly entityId: Locator;
  readonly actionFacet: Locator;
  readonly exportButton: Locator;
  readonly exportStatus: Locator;
  readonly ownOnlyNote: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Audit log", level: 1 });
    this.table = page.getByRole("table").first();
    this.rows = page.getByTestId("table-row");
    this.count = page.getByTestId("audit-count");
    this.actor = page.getByLabel("Actor");
    this.entityId = page.getByLabel("Entity id");
    this.actionFacet = page.getByRole("button", { name: "Action" });
    this.exportButton = page.getByRole("button", { name: "Export CSV" });
    this.exportStatus = page.getByTestId("audit-export-status");
    this.ownOnlyNote = page.getByTestId("audit-own-only");
  }

  async goto(params: Record<string, string> = {}) {
    const query = new URLSearchParams(params).toString();
    const response = await this.page.goto(query ? `/audit?${query}` : "/audit");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** Types an actor and applies it with Enter, as a person would. */
  async filterByActor(actor: string) {
    await this.actor.fill(actor);
    await this.actor.press("Enter");
    await expect(this.page).toHaveURL(/[?&]actor=/);
  }

  async filterByAction(action: string) {
    await this.actionFacet.click();
    await this.page.getByRole("menuitemcheckbox", { name: action }).click();
    await this.page.keyboard.press("Escape");
    await expect(this.page).toHaveURL(new RegExp(`[?&]action=[^&]*${action.replace(".", "\\.")}`));
  }

  toggle(row: Locator) {
    return row.getByTestId("audit-row-toggle");
  }
}
