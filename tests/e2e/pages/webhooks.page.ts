import { expect, type Locator, type Page } from "@playwright/test";

/** The webhook event log (`/webhooks`) and one event's page (`/webhooks/<id>`) with its replay flow. */
export class WebhooksPage {
  // The list
  readonly heading: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  readonly count: Locator;
  // One event
  readonly eventHeading: Locator;
  readonly outcome: Locator;
  readonly reason: Locator;
  readonly attempts: Locator;
  readonly verification: Locator;
  readonly payload: Locator;
  readonly paymentLink: Locator;
  // Replay (admins)
  readonly replayPanel: Locator;
  readonly dryRunButton: Locator;
  readonly dryRunResult: Locator;
  readonly replayButton: Locator;
  readonly confirmDialog: Locator;
  readonly replayResult: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Webhooks", level: 1 });
    this.table = page.getByRole("table", { name: "Webhook events" });
    this.rows = this.table.getByTestId("table-row");
    this.count = page.getByTestId("webhooks-count");

    this.eventHeading = page.getByRole("heading", { name: /^Webhook event /, level: 1 });
    this.outcome = page.getByTestId("webhook-outcome").getByTestId("outcome-badge");
    this.reason = page.getByTestId("webhook-reason");
    this.attempts = page.getByTestId("webhook-attempts");
    this.verification = page.getByTestId("webhook-verification");
    this.payload = page.getByTestId("webhook-payload");
    this.paymentLink = page.getByTestId("webhook-payment").getByRole("link");

    this.replayPanel = page.getByTestId("replay-panel");
    this.dryRunButton = page.getByRole("button", { name: "Dry run" });
    this.dryRunResult = page.getByTestId("dry-run-result");
    this.replayButton = page.getByRole("button", { name: "Replay event…" });
    this.confirmDialog = page.getByRole("alertdialog", { name: "Replay this event?" });
    this.replayResult = page.getByTestId("replay-result");
  }

  async goto(params: Record<string, string> = {}) {
    const query = new URLSearchParams(params).toString();
    const response = await this.page.goto(query ? `/webhooks?${query}` : "/webhooks");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** The list's row of one stored event (by its row id, as the webhook route answers it). */
  row(eventRowId: string): Locator {
    return this.rows.filter({ has: this.page.locator(`a[href="/webhooks/${eventRowId}"]`) });
  }

  /** Opens an event from the list by its link. */
  async openFromList(eventRowId: string) {
    await this.row(eventRowId).getByTestId("webhook-link").click();
    await expect(this.page).toHaveURL(new RegExp(`/webhooks/${eventRowId}$`));
    await expect(this.eventHeading).toBeVisible();
  }

  async gotoEvent(eventRowId: string) {
    const response = await this.page.goto(`/webhooks/${eventRowId}`);
    await expect(this.eventHeading).toBeVisible();
    return response;
  }

  async expectOutcome(label: "Processed" | "Ignored" | "Failed" | "Not applied") {
    await expect(this.outcome).toHaveText(label);
  }

  /** Runs the dry run and waits for its result (what a replay would change). */
  async dryRun(): Promise<Locator> {
    await this.dryRunButton.click();
    await expect(this.dryRunResult).toBeVisible();
    return this.dryRunResult;
  }

  /** The changes a dry run or replay result lists (`data-action` = the audit action). */
  changes(result: Locator): Locator {
    return result.getByTestId("replay-change");
  }

  /** Confirms the real replay in its dialog and waits for the result. */
  async replay(): Promise<Locator> {
    await this.replayButton.click();
    await expect(this.confirmDialog).toBeVisible();
    await this.confirmDialog.getByRole("button", { name: "Replay", exact: true }).click();
    await expect(this.confirmDialog).toBeHidden();
    await expect(this.replayResult).toBeVisible();
    return this.replayResult;
  }

  /** A toast with this text (sonner). */
  toast(text: string | RegExp): Locator {
    return this.page.locator("[data-sonner-toast]").filter({ hasText: text });
  }
}
