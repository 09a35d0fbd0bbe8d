import { uniqueEmail } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";

const DAY = 24 * 60 * 60 * 1000;

// Journey 3: a trial, a refused second trial, a paid payment moved to succeeded, edited,
// and refunded in full, with the subscription's end date followed at every step.
test.describe("payment lifecycle as admin", () => {
  test.use(asRole("admin"));

  test("trial → refused second trial → paid payment succeeded → full refund", async ({
    page,
    newPayment,
    paymentDetail,
    paymentsList,
  }) => {
    const email = uniqueEmail("lifecycle");
    const name = "Lifecycle Customer";

    // A trial for a customer created inline from the form.
    await newPayment.goto();
    await newPayment.createCustomerInline(email, name);
    await newPayment.fill({ kind: "trial", plan: "Premium", reason: "Trial for a webinar attendee" });
    await expect(newPayment.amount).toHaveValue("0");
    await expect(newPayment.submit).toHaveText("Start trial");
    await newPayment.expectEffect("extend", "Premium");
    await expect(newPayment.effect).toContainText(email);
    await expect(newPayment.effect).toContainText("+7 days");

    const trialId = await newPayment.submitAndOpenDetail();
    await paymentDetail.expectStatus("Succeeded");
    await expect(paymentDetail.subscriptionStatus).toHaveText("trialing");
    const trialEnd = await paymentDetail.validUntilDate();
    expect(Math.abs(trialEnd.getTime() - (Date.now() + 7 * DAY))).toBeLessThan(5 * 60 * 1000);

    // A second trial of the same plan is refused, before and on submit, and records nothing.
    await newPayment.goto(email);
    await expect(newPayment.customer).toContainText(email);
    await newPayment.fill({ kind: "trial", plan: "Premium", reason: "Second trial attempt" });
    await newPayment.expectEffect("refused", "already had a trial");
    await newPayment.submit.click();
    await expect(newPayment.fieldError("plan")).toContainText("already had a trial");
    await expect(page).toHaveURL(/\/payments\/new/);
    await paymentsList.gotoCustomer(email);
    await expect(paymentsList.rows).toHaveCount(1);
    await expect(paymentsList.rows.first()).toContainText("Trial");

    // A paid payment, pending: no effect until it succeeds.
    await newPayment.goto(email);
    await newPayment.fill({
      plan: "Premium",
      status: "pending",
      method: "Bank transfer",
      description: "Invoice A-17",
      reason: "Transfer announced by the customer",
    });
    await expect(newPayment.amount).toHaveValue("599.00");
    await expect(newPayment.currency).toHaveValue("RUB");
    await newPayment.expectEffect("none");
    const paidId = await newPayment.submitAndOpenDetail();
    expect(paidId).not.toBe(trialId);
    await paymentDetail.expectStatus("Pending");
    expect((await paymentDetail.validUntilDate()).getTime()).toBe(trialEnd.getTime());

    // Edit its details.
    await paymentDetail.edit({
      description: "Invoice A-17 (bank ref 4471)",
      metadata: '{"invoice": "A-17"}',
      reason: "Bank reference added",
    });
    await expect(paymentDetail.toast("Payment updated")).toBeVisible();
    await expect(page.getByRole("main")).toContainText("Invoice A-17 (bank ref 4471)");

    // Mark succeeded: the dialog previews the extension, the end date moves 30 days later.
    const dialog = await paymentDetail.openStatusDialog("Mark succeeded");
    const effect = paymentDetail.dialogEffect(dialog);
    await expect(effect).toHaveAttribute("data-effect", "extend");
    await expect(effect).toContainText("Premium");
    await expect(effect).toContainText(email);
    await expect(effect).toContainText("+30 days");
    await paymentDetail.confirmStatusDialog(dialog, "Mark succeeded", "Transfer arrived on the statement");
    await paymentDetail.expectStatus("Succeeded");
    await expect(paymentDetail.toast("Payment is now succeeded")).toBeVisible();
    await expect(paymentDetail.subscriptionStatus).toHaveText("active");
    await expect
      .poll(async () => (await paymentDetail.validUntilDate()).getTime())
      .toBe(trialEnd.getTime() + 30 * DAY);

    // Full refund: the amount is prefilled with what is left; the access comes off again.
    const refund = await paymentDetail.openRefundDialog();
    await expect(paymentDetail.refundAmount(refund)).toHaveValue("599.00");
    await expect(paymentDetail.dialogEffect(refund)).toHaveAttribute("data-effect", "revoke");
    await expect(paymentDetail.dialogEffect(refund)).toContainText("−30 days");
    await refund.getByLabel("Reason").fill("Customer cancelled within the cooling-off period");
    await refund.getByRole("button", { name: "Refund in full" }).click();
    await expect(refund).toBeHidden();
    await paymentDetail.expectStatus("Refunded");
    await expect(paymentDetail.toast("Payment fully refunded")).toBeVisible();
    await expect.poll(async () => (await paymentDetail.validUntilDate()).getTime()).toBe(trialEnd.getTime());
    await expect(paymentDetail.grant).toContainText("revoked");
    await expect(paymentDetail.actionButton("Refund")).toHaveCount(0);

    // The timeline tells the whole story, oldest first.
    await expect(paymentDetail.timelineEntry("payment.create")).toHaveCount(1);
    await expect(paymentDetail.timelineEntry("payment.update")).toContainText("Bank reference added");
    await expect(paymentDetail.timelineEntry("payment.status_change")).toContainText(
      "Transfer arrived on the statement",
    );
    await expect(paymentDetail.timelineEntry("subscription.extend")).toHaveCount(1);
    await expect(paymentDetail.timelineEntry("payment.refund")).toContainText("cooling-off");
    await expect(paymentDetail.timelineEntry("subscription.revoke")).toHaveCount(1);
    const actions = await paymentDetail.timelineActions();
    expect(actions.indexOf("payment.create")).toBeLessThan(actions.indexOf("payment.status_change"));
    expect(actions.indexOf("payment.status_change")).toBeLessThan(actions.indexOf("payment.refund"));

    // The list shows both payments of the customer.
    await paymentsList.gotoCustomer(email);
    await expect(paymentsList.rows).toHaveCount(2);
    await expect(paymentsList.rows.filter({ hasText: "Refunded" })).toHaveCount(1);
  });
});
