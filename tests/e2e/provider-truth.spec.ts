import path from "node:path";
import type { Page } from "@playwright/test";
import { stripeId } from "../support/stripe-events";
import { CustomerDetailPage } from "./pages/customers.page";
import { ReviewPage } from "./pages/review.page";
import { asRole, expect, test } from "./support/fixtures";
import { callServerAction, serverActionId } from "./support/server-actions";
import { stripeControl } from "./support/stripe-control";
import { createCustomer, recordStripePayment } from "./support/stripe-payments";
import { deliverStripeEvent, disputeEvent, refundEvent } from "./support/stripe-webhooks";

// "Provider truth": a Stripe payment follows Stripe. Stripe's API is the e2e stand-in
// (tests/e2e/support/serve.ts); specs set what it holds through tests/e2e/support/stripe-control.ts
// and deliver Stripe's signed webhooks as Stripe would.

const SCREENS = path.join(import.meta.dirname, "..", "..", "test-results", "screens");
const PAYMENT_ACTIONS = "app/(admin)/payments/actions.ts";
const DAY_MS = 86_400_000;

async function screenshot(page: Page, name: string) {
  // Animations (toasts, fades) finished, so the picture is what a person sees.
  await page.evaluate(() =>
    Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => undefined))),
  );
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
}

test.describe("provider truth as admin", () => {
  test.use(asRole("admin"));

  // Journey: a Stripe payment is stuck in processing; Stripe has meanwhile settled it. The
  // admin presses Sync, sees what Stripe said, and the payment succeeds with its access.
  test("syncs a stuck Stripe payment and sees it settle", async ({ request, paymentDetail }) => {
    const customer = await createCustomer("sync-stuck");
    const { intentId, paymentId } = await recordStripePayment(request, customer, {
      type: "payment_intent.processing",
    });

    await paymentDetail.goto(paymentId);
    await paymentDetail.expectStatus("Processing");
    await expect(paymentDetail.providerPanel).toBeVisible();
    await expect(paymentDetail.providerPanel).toContainText(intentId);
    await paymentDetail.expectProviderStatus("processing");
    await expect(paymentDetail.providerStatus).toContainText("Processing at Stripe");
    await expect(paymentDetail.providerPanel.getByTestId("provider-synced-at")).toHaveText("Never");
    // No hand-set status for a provider payment, and nothing to refund yet.
    await expect(paymentDetail.actionButton(/^Mark /)).toHaveCount(0);
    await expect(paymentDetail.actionButton("Refund")).toHaveCount(0);
    await expect(paymentDetail.syncResult).toBeEmpty();

    // Stripe settled it; its webhook never came.
    await stripeControl.putIntent({
      id: intentId,
      status: "succeeded",
      amount: 59_900,
      amount_received: 59_900,
      currency: "rub",
      metadata: { paydesk_customer: customer.email, paydesk_plan: "premium" },
    });
    const fetchesBefore = await stripeControl.requestCount("GET", `/v1/payment_intents/${intentId}`);

    const result = await paymentDetail.sync();
    await expect(result).toContainText("Synced: updated from Stripe");
    await expect(paymentDetail.toast("Synced from Stripe: updated")).toBeVisible();
    await paymentDetail.expectStatus("Succeeded");
    await paymentDetail.expectProviderStatus("succeeded");
    await expect(paymentDetail.providerPanel.getByTestId("provider-synced-at")).not.toHaveText("Never");
    expect(await stripeControl.requestCount("GET", `/v1/payment_intents/${intentId}`)).toBe(
      fetchesBefore + 1,
    );
    // Succeeded for the plan's price: 30 days of Premium from now.
    await expect(paymentDetail.grant).toContainText("30 days");
    const days = ((await paymentDetail.validUntilDate()).getTime() - Date.now()) / DAY_MS;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    // Now it can be refunded (through Stripe).
    await expect(paymentDetail.actionButton("Refund")).toBeEnabled();
    await screenshot(paymentDetail.page, "payment-synced");

    // Again: Stripe agrees, nothing changes.
    await paymentDetail.page.reload();
    const again = await paymentDetail.sync();
    await expect(again).toContainText("Synced: Stripe agrees, nothing changed");
    await paymentDetail.expectStatus("Succeeded");
  });

  // Journey: an admin refunds a Stripe payment and Stripe answers that the refund is pending.
  // The refund is not counted, Refund is blocked with "do not refund again" (and the server
  // refuses a second one), until Stripe's refund.updated says it succeeded.
  test("sees a refund Stripe left pending, cannot refund again, and a refund.updated settles it", async ({
    page,
    request,
    paymentDetail,
  }) => {
    const customer = await createCustomer("refund-pending");
    const { intentId, paymentId } = await recordStripePayment(request, customer, {
      type: "payment_intent.succeeded",
      atStripe: true,
    });
    await paymentDetail.goto(paymentId);
    await paymentDetail.expectStatus("Succeeded");
    await expect(paymentDetail.refunds).toHaveCount(0);

    await stripeControl.nextRefund("pending");
    await paymentDetail.refund("Customer asked for their money back");
    await expect(
      paymentDetail.toast("Stripe accepted the refund and is processing it (pending)"),
    ).toBeVisible();

    const [atStripe] = await stripeControl.refunds(intentId);
    expect(atStripe, "Stripe made one refund").toBeDefined();
    expect(atStripe).toMatchObject({ status: "pending", amount: 59_900 });
    const paydeskRefundId = atStripe!.metadata.paydesk_refund;
    expect(paydeskRefundId).toMatch(/^[0-9a-f-]{36}$/);

    await expectPendingRefund(paymentDetail, atStripe!.id);
    await screenshot(page, "payment-refund-pending");

    // The server refuses a second refund too: hiding the button is not the check.
    const second = await callServerAction(page.request, {
      page: `/payments/${paymentId}`,
      actionId: serverActionId(PAYMENT_ACTIONS, "refundAction"),
      args: [{ paymentId, amount: null, revokeAccess: false, keepAccess: false, reason: "Again" }],
    });
    expect(second.result, second.body).toMatchObject({ ok: false, code: "conflict" });
    expect((second.result as { message: string }).message).toContain("do not refund again");
    expect(await stripeControl.refunds(intentId)).toHaveLength(1);

    // Later Stripe confirms it.
    const confirmed = await stripeControl.setRefundStatus(atStripe!.id, "succeeded");
    const delivered = await deliverStripeEvent(request, refundEvent("refund.updated", confirmed));
    expect(delivered).toMatchObject({ received: true, outcome: "processed" });

    await page.reload();
    await expectSettledRefund(paymentDetail, atStripe!.id);
  });

  // Journey: Stripe makes the refund but its answer is lost (timeouts, retries with the same
  // key). The refund waits, pending, with no Stripe id; Stripe's refund.updated, which carries
  // the Paydesk refund id in its metadata, settles that very refund, never a second one.
  test("a refund whose answer was lost waits, and Stripe's refund.updated settles that refund", async ({
    page,
    request,
    paymentDetail,
  }) => {
    test.slow();
    const customer = await createCustomer("refund-lost");
    const { intentId, paymentId } = await recordStripePayment(request, customer, {
      type: "payment_intent.succeeded",
      atStripe: true,
    });
    await paymentDetail.goto(paymentId);

    await stripeControl.nextRefund("hang_after_accept");
    // 1.5 s per try and two retries: the dialog closes once Paydesk gives up waiting.
    await paymentDetail.refund("Duplicate charge", undefined, { timeout: 30_000 });
    await expect(paymentDetail.toast("No answer from Stripe")).toBeVisible();

    const made = await stripeControl.refunds(intentId);
    expect(made, "Stripe made exactly one refund, retries included").toHaveLength(1);
    const atStripe = made[0]!;
    expect(atStripe.status).toBe("succeeded");
    expect(await stripeControl.requestCount("POST", "/v1/refunds")).toBeGreaterThanOrEqual(1);

    // Paydesk knows no Stripe refund id: only that it asked.
    await expectPendingRefund(paymentDetail, null);
    await expect(paymentDetail.refunds).not.toContainText(atStripe.id);

    const delivered = await deliverStripeEvent(request, refundEvent("refund.updated", atStripe));
    expect(delivered).toMatchObject({ received: true, outcome: "processed" });
    await page.reload();
    await expectSettledRefund(paymentDetail, atStripe.id);
    expect(await stripeControl.refunds(intentId)).toHaveLength(1);
  });

  // Journey: a customer disputes a succeeded Stripe payment and the chargeback is lost. The
  // payment shows the dispute, lost; it counts as a full refund, so the customer's page shows
  // the grant revoked (struck through) and the subscription's end moved back.
  test("resolves a lost dispute's effect on the customer", async ({ page, request, paymentDetail }) => {
    const customer = await createCustomer("dispute-lost");
    const { intentId, paymentId } = await recordStripePayment(request, customer, {
      type: "payment_intent.succeeded",
      atStripe: true,
    });
    const customerPage = new CustomerDetailPage(page);
    const premium = customerPage.subscription("Premium");
    const grants = customerPage.ledger("Premium").getByTestId("grant-row");

    await page.goto(`/customers/${customer.customerId}`);
    await expect(customerPage.heading(customer.name)).toBeVisible();
    await expect(grants).toHaveCount(1);
    await expect(grants.first()).toHaveAttribute("data-revoked", "false");
    const endBefore = Date.parse((await premium.getByTestId("valid-until").getAttribute("datetime")) ?? "");
    expect((endBefore - Date.now()) / DAY_MS).toBeGreaterThan(29.9);

    const dispute = {
      id: stripeId("dp"),
      paymentIntent: intentId,
      amount: 59_900,
      currency: "rub",
      reason: "fraudulent",
    };
    const created = Math.floor(Date.now() / 1000);
    const opened = await deliverStripeEvent(
      request,
      disputeEvent(
        "charge.dispute.created",
        { ...dispute, status: "needs_response", balanceTransactions: 1 },
        created,
      ),
    );
    expect(opened).toMatchObject({ received: true, outcome: "processed" });

    await paymentDetail.goto(paymentId);
    await expect(paymentDetail.disputedFlag).toBeVisible();
    await expect(paymentDetail.disputeItems).toHaveCount(1);
    await expect(paymentDetail.dispute("open")).toHaveAttribute("data-kind", "chargeback");
    await expect(paymentDetail.dispute("open")).toContainText("needs_response");
    // Refund is blocked while the dispute decides where the money goes.
    await expect(await paymentDetail.refundBlockedReason()).toContainText("disputed");
    await page.keyboard.press("Escape");

    // It waits on /review among the open disputes.
    const review = new ReviewPage(page);
    await review.goto();
    const row = review.row("open_dispute", paymentId);
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(dispute.id);
    await expect(review.action(row)).toHaveText(/^Respond at Stripe/);

    const closed = await deliverStripeEvent(
      request,
      disputeEvent(
        "charge.dispute.closed",
        { ...dispute, status: "lost", balanceTransactions: 1 },
        created + 1,
      ),
    );
    expect(closed).toMatchObject({ received: true, outcome: "processed" });

    await paymentDetail.goto(paymentId);
    await expect(paymentDetail.disputeItems).toHaveCount(1);
    const lost = paymentDetail.dispute("lost");
    await expect(lost).toHaveAttribute("data-kind", "chargeback");
    await expect(lost.getByTestId("dispute-status")).toHaveText(/lost/i);
    await expect(paymentDetail.disputeLost).toContainText("Counts as a full refund");
    await expect(paymentDetail.disputeLost).toContainText("access revoked");
    await expect(paymentDetail.disputedFlag).toBeVisible();
    await expect(paymentDetail.grant).toContainText("revoked");
    await screenshot(page, "payment-dispute-lost");

    await review.goto();
    await expect(review.row("open_dispute", paymentId)).toHaveCount(0);

    // The customer's page: the grant is revoked and adds nothing; access ended.
    await page.goto(`/customers/${customer.customerId}`);
    await expect(customerPage.heading(customer.name)).toBeVisible();
    await expect(grants).toHaveCount(1);
    await expect(grants.first()).toHaveAttribute("data-payment-id", paymentId);
    await expect(grants.first()).toHaveAttribute("data-revoked", "true");
    await expect(grants.first()).toContainText("Revoked");
    await expect(grants.first().locator(".line-through")).toBeVisible();
    await expect(grants.first()).toContainText("adds nothing");
    await expect(customerPage.ledger("Premium").getByTestId("ledger-result")).toContainText(
      "No grant counts any more",
    );
    const endAfter = Date.parse((await premium.getByTestId("valid-until").getAttribute("datetime")) ?? "");
    expect(endAfter, "the subscription's end moved back").toBeLessThan(endBefore - 29 * DAY_MS);
    expect(endAfter).toBeLessThanOrEqual(Date.now() + 60_000);
    await expect(premium.getByTestId("subscription-status")).not.toHaveAttribute("data-status", "active");
  });
});

test.describe("provider truth as support", () => {
  test.use(asRole("support"));

  // Journey: support opens /review from the navigation, reads the groups (a payment held for
  // review and an open dispute of this test's own among them), and follows one to its payment,
  // which it can read but not act on: no Sync, no decision, and the server refuses Sync too.
  test("reads /review and its groups, and a payment read-only", async ({ page, request, paymentDetail }) => {
    // Paid in dollars for a rouble plan: recorded, granting nothing, held for review.
    const heldFor = await createCustomer("review-held");
    const held = await recordStripePayment(request, heldFor, {
      type: "payment_intent.succeeded",
      amount: 1_000,
      currency: "usd",
    });
    const disputedFor = await createCustomer("review-dispute");
    const disputed = await recordStripePayment(request, disputedFor, {
      type: "payment_intent.succeeded",
      atStripe: true,
    });
    const disputeId = stripeId("dp");
    const opened = await deliverStripeEvent(
      request,
      disputeEvent("charge.dispute.created", {
        id: disputeId,
        paymentIntent: disputed.intentId,
        amount: 59_900,
        currency: "rub",
        status: "warning_needs_response",
        reason: "product_not_received",
      }),
    );
    expect(opened).toMatchObject({ received: true, outcome: "processed" });

    const review = new ReviewPage(page);
    await page.goto("/payments");
    await expect(review.navCount).toBeVisible();
    await review.openFromNav();

    // The four payment groups and the refund suggestions (parked messages are for admins).
    await expect(review.summaryLinks).toHaveCount(5);
    expect(await review.groupKinds()).toEqual([
      "stuck_payment",
      "held_for_review",
      "open_dispute",
      "pending_refund",
      // Refund suggestions (user.deleted) show to every role; parked messages only to admins.
      "refund_suggestion",
    ]);
    // The demo data has Stripe and YooKassa payments stuck in processing for months.
    await expect(review.rows("stuck_payment").first()).toBeVisible();
    await expect(review.action(review.rows("stuck_payment").first())).toHaveText(/^Sync/);

    const heldRow = review.row("held_for_review", held.paymentId);
    await expect(heldRow).toHaveCount(1);
    await expect(heldRow).toContainText(heldFor.email);
    await expect(heldRow.getByTestId("review-reason")).toContainText("nothing was granted");
    await expect(review.action(heldRow)).toHaveAttribute("data-action", "decide");
    await expect(heldRow).toContainText("Admins only");

    const disputeRow = review.row("open_dispute", disputed.paymentId);
    await expect(disputeRow).toHaveCount(1);
    await expect(disputeRow).toContainText(`Inquiry ${disputeId}`);
    await expect(review.action(disputeRow)).toHaveText(/^Respond at Stripe/);

    // A refund waits here only after a day; nothing of this suite's is that old.
    await expect(review.group("pending_refund")).toBeVisible();
    await expect(review.breaker("stripe")).toHaveAttribute("data-state", /^(closed|open|half_open)$/);
    await expect(review.breaker("yookassa")).toBeVisible();
    await expect(review.reconciler).toBeVisible();
    await screenshot(page, "review-support");
    await review.breakers.screenshot({ path: path.join(SCREENS, "review-breakers.png") });

    // The summary jumps to a group.
    await review.summary.locator('[data-kind="open_dispute"]').click();
    await expect(page).toHaveURL(/\/review#open-disputes$/);

    // Read-only on the payment: the provider panel without Sync, the hold without a decision.
    await review.action(heldRow).click();
    await expect(page).toHaveURL(`/payments/${held.paymentId}`);
    await expect(paymentDetail.heading).toBeVisible();
    await expect(paymentDetail.providerPanel).toBeVisible();
    await paymentDetail.expectProviderStatus("succeeded");
    await expect(paymentDetail.syncButton).toHaveCount(0);
    await expect(paymentDetail.captureButton).toHaveCount(0);
    await expect(paymentDetail.cancelAtProviderButton).toHaveCount(0);
    await expect(paymentDetail.reviewAlert).toBeVisible();
    await expect(paymentDetail.reviewAlert).toContainText("until an admin grants access anyway");
    await expect(paymentDetail.reviewGrant).toHaveCount(0);
    await expect(paymentDetail.reviewDismiss).toHaveCount(0);
    await expect(paymentDetail.actionButton("Refund")).toHaveCount(0);

    // The server refuses Sync and a decision too: hiding the buttons is not the check.
    const sync = await callServerAction(page.request, {
      page: `/payments/${held.paymentId}`,
      actionId: serverActionId(PAYMENT_ACTIONS, "syncPaymentAction"),
      args: [{ paymentId: held.paymentId }],
    });
    expect(sync.result, sync.body).toMatchObject({ ok: false, code: "forbidden" });
    const decide = await callServerAction(page.request, {
      page: `/payments/${held.paymentId}`,
      actionId: serverActionId(PAYMENT_ACTIONS, "reviewDecisionAction"),
      args: [{ paymentId: held.paymentId, decision: "grant", reason: "Looks fine" }],
    });
    expect(decide.result, decide.body).toMatchObject({ ok: false, code: "forbidden" });
    await page.reload();
    await expect(paymentDetail.reviewAlert).toBeVisible();

    // The disputed payment, too, is read-only.
    await paymentDetail.goto(disputed.paymentId);
    await expect(paymentDetail.dispute("open")).toHaveAttribute("data-kind", "inquiry");
    await expect(paymentDetail.syncButton).toHaveCount(0);
  });
});

/** The payment's one refund waits for Stripe: not counted, Refund blocked with the warning. */
async function expectPendingRefund(
  paymentDetail: import("./pages/payment-detail.page").PaymentDetailPage,
  stripeRefundId: string | null,
) {
  await expect(paymentDetail.refundItems).toHaveCount(1);
  await expect(paymentDetail.refundWithStatus("pending")).toHaveCount(1);
  if (stripeRefundId) await expect(paymentDetail.refunds).toContainText(stripeRefundId);
  await expect(paymentDetail.refundPendingWarning).toContainText(
    "Waiting for Stripe to confirm this refund; do not refund again",
  );
  await expect(paymentDetail.refundPendingWarning).toContainText("is not counted until Stripe confirms it");
  // Not counted: the payment is still succeeded, and its access stays until Stripe confirms.
  await paymentDetail.expectStatus("Succeeded");
  await expect(paymentDetail.refundWithStatus("pending")).not.toContainText("Access revoked");
  await expect(paymentDetail.grant).toContainText("30 days");
  await expect(paymentDetail.grant).not.toContainText("revoked");
  await expect(paymentDetail.refundBlocked).toBeVisible();
  await expect(await paymentDetail.refundBlockedReason()).toHaveText(
    "Waiting for Stripe to confirm this refund; do not refund again",
  );
  await paymentDetail.page.keyboard.press("Escape");
}

/** The refund is confirmed: counted in full, access revoked, nothing left to refund. */
async function expectSettledRefund(
  paymentDetail: import("./pages/payment-detail.page").PaymentDetailPage,
  stripeRefundId: string,
) {
  await expect(paymentDetail.refundItems).toHaveCount(1);
  await expect(paymentDetail.refundWithStatus("succeeded")).toHaveCount(1);
  await expect(paymentDetail.refunds).toContainText(stripeRefundId);
  await expect(paymentDetail.refundWithStatus("succeeded")).toContainText("Access revoked");
  await expect(paymentDetail.refundPendingWarning).toHaveCount(0);
  await paymentDetail.expectStatus("Refunded");
  await expect(paymentDetail.refundBlocked).toHaveCount(0);
  await expect(paymentDetail.actionButton("Refund")).toHaveCount(0);
  await expect(paymentDetail.grant).toContainText("revoked");
}
