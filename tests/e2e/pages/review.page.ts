import { expect, type Locator, type Page } from "@playwright/test";

export type ReviewKind = "stuck_payment" | "held_for_review" | "open_dispute" | "pending_refund";

/** The groups of /review, in the order the page shows them. */
export const REVIEW_KINDS: readonly ReviewKind[] = [
  "stuck_payment",
  "held_for_review",
  "open_dispute",
  "pending_refund",
];

/** `/review`: what needs a person, grouped, with the providers' breakers and the reconciler. */
export class ReviewPage {
  readonly heading: Locator;
  /** The link in the main navigation (its name may carry the waiting count). */
  readonly navLink: Locator;
  readonly navCount: Locator;
  readonly summary: Locator;
  readonly summaryLinks: Locator;
  readonly groups: Locator;
  readonly breakers: Locator;
  readonly breakerRows: Locator;
  readonly reconciler: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "What needs a person", level: 1 });
    this.navLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Review\b/ });
    this.navCount = this.navLink.getByTestId("nav-review-count");
    this.summary = page.getByTestId("review-summary");
    this.summaryLinks = this.summary.getByTestId("review-summary-link");
    this.groups = page.getByTestId("review-group");
    this.breakers = page.getByTestId("review-breakers");
    this.breakerRows = this.breakers.getByTestId("breaker-row");
    this.reconciler = page.getByTestId("review-reconciler");
  }

  async goto() {
    const response = await this.page.goto("/review");
    await expect(this.heading).toBeVisible();
    return response;
  }

  /** Follows the "Review" link in the main navigation. */
  async openFromNav() {
    await this.navLink.click();
    await expect(this.page).toHaveURL(/\/review$/);
    await expect(this.heading).toBeVisible();
  }

  group(kind: ReviewKind): Locator {
    return this.page.locator(`[data-testid="review-group"][data-kind="${kind}"]`);
  }

  /** The count badge in a group's heading. */
  groupCount(kind: ReviewKind): Locator {
    return this.group(kind).getByTestId("review-group-count");
  }

  /** The group's empty state (shown when nothing of that kind waits). */
  groupEmpty(kind: ReviewKind): Locator {
    return this.group(kind).getByTestId("review-empty");
  }

  rows(kind: ReviewKind): Locator {
    return this.group(kind).getByTestId("review-row");
  }

  /** The row of a payment in a group. */
  row(kind: ReviewKind, paymentId: string): Locator {
    return this.group(kind).locator(`[data-testid="review-row"][data-payment-id="${paymentId}"]`);
  }

  /** The row's link to its payment ("Sync", "Decide", "Respond at Stripe"). */
  action(row: Locator): Locator {
    return row.getByTestId("review-action");
  }

  breaker(provider: "stripe" | "yookassa"): Locator {
    return this.breakers.locator(`[data-testid="breaker-row"][data-provider="${provider}"]`);
  }

  /** The data-kind of each group, in page order. */
  async groupKinds(): Promise<string[]> {
    return this.groups.evaluateAll((els) => els.map((el) => el.getAttribute("data-kind") ?? ""));
  }
}
