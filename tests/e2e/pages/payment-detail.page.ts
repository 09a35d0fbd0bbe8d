import { expect, type Locator, type Page } from "@playwright/test";

export class PaymentDetailPage {
  readonly heading: Locator;
  readonly statusBadge: Locator;
  readonly actions: Locator;
  readonly validUntil: Locator;
  readonly subscriptionStatus: Locator;
  readonly timeline: Locator;
  readonly timelineEntries: Locator;
  readonly amount: Locator;
  readonly grant: Locator;
  /** "Disputed", beside the status in the heading. */
  readonly disputedFlag: Locator;
  // The provider panel (Stripe and YooKassa payments)
  readonly providerPanel: Locator;
  readonly providerStatus: Locator;
  readonly providerError: Locator;
  readonly syncButton: Locator;
  readonly syncResult: Locator;
  readonly captureButton: Locator;
  readonly cancelAtProviderButton: Locator;
  // Refunds
  readonly refunds: Locator;
  readonly refundItems: Locator;
  readonly refundPendingWarning: Locator;
  /** The disabled Refund button's wrapper, which carries why (its tooltip). */
  readonly refundBlocked: Locator;
  // Disputes
  readonly disputes: Locator;
  readonly disputeItems: Locator;
  readonly disputeLost: Locator;
  // Held for review (a provider payment that did not match its plan)
  readonly reviewAlert: Locator;
  readonly reviewGrant: Locator;
  readonly reviewDismiss: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: /^Payment [0-9a-f]{8}$/, level: 1 });
    this.statusBadge = page.getByRole("main").getByTestId("status-badge").first();
    this.actions = page.getByTestId("payment-actions");
    this.validUntil = page.getByTestId("valid-until");
    this.subscriptionStatus = page.getByTestId("subscription-status");
    this.timeline = page.getByTestId("timeline");
    this.timelineEntries = page.getByTestId("timeline-entry");
    this.amount = page.getByTestId("payment-amount");
    this.grant = page.getByTestId("payment-grant");
    this.disputedFlag = page.getByRole("main").getByText("Disputed", { exact: true }).first();
    this.providerPanel = page.getByTestId("provider-panel");
    this.providerStatus = this.providerPanel.getByTestId("provider-status");
    this.providerError = this.providerPanel.getByTestId("provider-error");
    this.syncButton = page.getByTestId("provider-sync");
    this.syncResult = page.getByTestId("provider-sync-result");
    this.captureButton = page.getByTestId("provider-capture");
    this.cancelAtProviderButton = page.getByTestId("provider-cancel");
    this.refunds = page.getByTestId("payment-refunds");
    this.refundItems = this.refunds.getByTestId("refund");
    this.refundPendingWarning = page.getByTestId("refund-pending-warning");
    this.refundBlocked = page.getByTestId("refund-blocked");
    this.disputes = page.getByTestId("payment-disputes");
    this.disputeItems = this.disputes.getByTestId("dispute");
    this.disputeLost = this.disputes.getByTestId("dispute-lost");
    this.reviewAlert = page.getByTestId("review-alert");
    this.reviewGrant = page.getByTestId("review-grant");
    this.reviewDismiss = page.getByTestId("review-dismiss");
  }

  async goto(id: string) {
    const response = await this.page.goto(`/payments/${id}`);
    await expect(this.heading).toBeVisible();
    return response;
  }

  async expectStatus(label: string) {
    await expect(this.statusBadge).toHaveText(label);
  }

  /** The subscription's end as the page states it (the `<time dateTime>` ISO value). */
  async validUntilIso(): Promise<string> {
    await expect(this.validUntil).toHaveAttribute("datetime", /\d{4}-\d{2}-\d{2}T/);
    return (await this.validUntil.getAttribute("datetime"))!;
  }

  async validUntilDate(): Promise<Date> {
    return new Date(await this.validUntilIso());
  }

  actionButton(name: string | RegExp): Locator {
    return this.actions.getByRole("button", { name });
  }

  /** The dialog of a status change ("Mark succeeded" → "Mark succeeded?"). */
  statusDialog(label: string): Locator {
    return this.page.getByRole("dialog", { name: `${label}?` });
  }

  dialogEffect(dialog: Locator): Locator {
    return dialog.getByTestId("effect-preview");
  }

  /** Opens a status-change dialog and waits for its effect preview. */
  async openStatusDialog(label: string): Promise<Locator> {
    await this.actionButton(label).click();
    const dialog = this.statusDialog(label);
    await expect(dialog).toBeVisible();
    await expect(this.dialogEffect(dialog)).toHaveAttribute("data-effect", /.+/);
    return dialog;
  }

  /** Confirms an open status dialog with a reason and waits for it to close. */
  async confirmStatusDialog(dialog: Locator, label: string, reason: string) {
    await dialog.getByLabel("Reason").fill(reason);
    await dialog.getByRole("button", { name: label, exact: true }).click();
    await expect(dialog).toBeHidden();
  }

  async changeStatus(label: string, reason: string) {
    const dialog = await this.openStatusDialog(label);
    await this.confirmStatusDialog(dialog, label, reason);
  }

  refundDialog(): Locator {
    return this.page.getByRole("dialog", { name: "Refund payment" });
  }

  async openRefundDialog(): Promise<Locator> {
    await this.actionButton("Refund").click();
    const dialog = this.refundDialog();
    await expect(dialog).toBeVisible();
    return dialog;
  }

  refundAmount(dialog: Locator): Locator {
    return dialog.getByLabel(/^Amount \([A-Z]{3}\)/);
  }

  /**
   * Refunds through the dialog: `amount` undefined keeps the prefilled "everything left".
   * `timeout`: how long the provider may take to answer (or not) before the dialog closes.
   */
  async refund(reason: string, amount?: string, options: { timeout?: number } = {}) {
    const dialog = await this.openRefundDialog();
    if (amount !== undefined) await this.refundAmount(dialog).fill(amount);
    await expect(this.dialogEffect(dialog)).toHaveAttribute("data-effect", /.+/);
    await dialog.getByLabel("Reason").fill(reason);
    await dialog.getByRole("button", { name: /^Refund( in full)?$/ }).click();
    await expect(dialog).toBeHidden({ timeout: options.timeout });
  }

  editDialog(): Locator {
    return this.page.getByRole("dialog", { name: "Edit payment details" });
  }

  async openEditDialog(): Promise<Locator> {
    await this.actionButton("Edit details").click();
    const dialog = this.editDialog();
    await expect(dialog).toBeVisible();
    return dialog;
  }

  async edit(fields: { description?: string; metadata?: string; reason: string }) {
    const dialog = await this.openEditDialog();
    if (fields.description !== undefined) await dialog.getByLabel("Description").fill(fields.description);
    if (fields.metadata !== undefined) await dialog.getByLabel("Metadata (JSON)").fill(fields.metadata);
    await dialog.getByLabel("Reason").fill(fields.reason);
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await expect(dialog).toBeHidden();
  }

  /** Presses Sync and waits for its answer in the panel ("Synced: …"). */
  async sync(options: { timeout?: number } = {}): Promise<Locator> {
    await expect(this.syncButton).toBeEnabled();
    await this.syncButton.click();
    await expect(this.syncResult).toContainText(/^Synced: /, { timeout: options.timeout });
    await expect(this.syncButton).toBeEnabled({ timeout: options.timeout });
    return this.syncResult;
  }

  /** The provider's word for the payment (`processing`, `succeeded`, …), as the panel shows it. */
  async expectProviderStatus(status: string) {
    await expect(this.providerStatus).toHaveAttribute("data-provider-status", status);
  }

  refundWithStatus(status: "pending" | "succeeded" | "failed"): Locator {
    return this.refunds.locator(`[data-testid="refund"][data-status="${status}"]`);
  }

  /** The payment's refund whose provider id or text matches. */
  refundItem(text: string | RegExp): Locator {
    return this.refundItems.filter({ hasText: text });
  }

  dispute(status: "open" | "won" | "lost" | "closed"): Locator {
    return this.disputes.locator(`[data-testid="dispute"][data-status="${status}"]`);
  }

  /** Why Refund is disabled: its tooltip, shown when the wrapper gets keyboard focus. */
  async refundBlockedReason(): Promise<Locator> {
    await expect(this.refundBlocked.getByRole("button", { name: "Refund" })).toBeDisabled();
    await this.refundBlocked.focus();
    const tooltip = this.page.getByRole("tooltip");
    await expect(tooltip).toBeVisible();
    return tooltip;
  }

  /** A toast with this text (sonner). */
  toast(text: string | RegExp): Locator {
    return this.page.locator("[data-sonner-toast]").filter({ hasText: text });
  }

  timelineEntry(action: string): Locator {
    return this.page.locator(`[data-testid="timeline-entry"][data-action="${action}"]`);
  }

  async timelineActions(): Promise<string[]> {
    return this.timelineEntries.evaluateAll((els) => els.map((el) => el.getAttribute("data-action") ?? ""));
  }
}
