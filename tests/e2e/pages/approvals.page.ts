import { expect, type Locator, type Page } from "@playwright/test";

/** /approvals: requests awaiting the viewer, the viewer's own, and the history. */
export class ApprovalsPage {
  readonly heading: Locator;
  readonly awaiting: Locator;
  readonly yours: Locator;
  readonly history: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Approvals", level: 1 });
    this.awaiting = page.getByRole("region", { name: "Awaiting your decision" });
    this.yours = page.getByRole("region", { name: "Your requests" });
    this.history = page.getByRole("region", { name: "History" });
  }

  async goto() {
    const response = await this.page.goto("/approvals");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** One request's card in a section, by its id. */
  request(section: Locator, id: string): Locator {
    return section.locator(`[data-testid="approval-request"][data-id="${id}"]`);
  }

  /** Approves or rejects a request through its confirmation dialog, with a reason. */
  async decide(section: Locator, id: string, decision: "approve" | "reject", reason: string) {
    const card = this.request(section, id);
    await card.getByTestId(decision === "approve" ? "approve-request" : "reject-request").click();
    const dialog = this.page.getByRole("dialog", {
      name: decision === "approve" ? "Approve this request?" : "Reject this request?",
    });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel("Reason").fill(reason);
    await dialog.getByTestId("confirm-decision").click();
    await expect(dialog).toBeHidden();
  }
}

/** The request id from /approvals#request-<id>, where the payment form goes when a payment is held. */
export function approvalIdFromUrl(url: string): string {
  const match = /#request-([0-9a-f-]{36})$/.exec(url);
  if (!match?.[1]) throw new Error(`not an approval request URL: ${url}`);
  return match[1];
}
