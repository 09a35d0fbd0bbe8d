import type { APIRequestContext } from "@playwright/test";
import { paymentIntentEvent, signStripeDelivery, stripeId } from "../support/stripe-events";
import { uniqueEmail } from "./support/data";
import { E2E_STRIPE_WEBHOOK_SECRET } from "./support/env";
import { asRole, expect, test } from "./support/fixtures";
import { callServerAction, serverActionId } from "./support/server-actions";

interface Delivered {
  received: boolean;
  duplicate: boolean;
  outcome: string;
  /** The stored event's row id: its page is /webhooks/<eventId>. */
  eventId: string;
}

/** Delivers a signed Stripe event to the server, exactly as Stripe would (raw body, signature header). */
async function deliver(request: APIRequestContext, event: Record<string, unknown>): Promise<Delivered> {
  const { body, signature } = signStripeDelivery(event, E2E_STRIPE_WEBHOOK_SECRET);
  const response = await request.post("/api/webhooks/stripe", {
    headers: { "content-type": "application/json", "stripe-signature": signature },
    data: body,
  });
  const text = await response.text();
  expect(response.status(), text).toBe(200);
  return JSON.parse(text) as Delivered;
}

/** A `payment_intent.succeeded` for 599.00 RUB of the Premium plan, naming `email` as the customer. */
function succeededFor(email: string) {
  return paymentIntentEvent({
    type: "payment_intent.succeeded",
    intentId: stripeId("pi"),
    amount: 59_900,
    currency: "rub",
    customer: email,
    plan: "premium",
    description: "Premium, monthly",
  });
}

// Journey: Stripe reports a payment for a customer Paydesk does not know yet; the event is
// stored and ignored. Once the customer exists, an admin finds the event in the log, dry-runs
// a replay (it would record the payment and extend access), replays it, and follows it to the
// payment, whose timeline shows the event.
test.describe("webhook event log as admin", () => {
  test.use(asRole("admin"));

  test("opens an ignored event, dry-runs, replays it, and sees the outcome", async ({
    page,
    request,
    webhooks,
    paymentDetail,
  }) => {
    const email = uniqueEmail("webhook-replay");
    const event = succeededFor(email);
    const delivered = await deliver(request, event);
    expect(delivered).toMatchObject({ received: true, duplicate: false, outcome: "ignored" });

    const customer = await callServerAction(page.request, {
      page: "/payments/new",
      actionId: serverActionId("app/(admin)/payments/actions.ts", "createCustomerAction"),
      args: [{ email, name: "Webhook Replay" }],
    });
    expect(customer.result, customer.body).toMatchObject({ ok: true, data: { email } });

    // The log, filtered the way someone looking for it would.
    await webhooks.goto({ outcome: "ignored", type: "payment_intent.succeeded" });
    const row = webhooks.row(delivered.eventId);
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("Stripe");
    await expect(row).toContainText("payment_intent.succeeded");
    await expect(row).toContainText("Ignored");
    await expect(row).toContainText(email);

    await webhooks.openFromList(delivered.eventId);
    await expect(webhooks.eventHeading).toContainText("payment_intent.succeeded");
    await webhooks.expectOutcome("Ignored");
    await expect(webhooks.reason).toContainText(email);
    await expect(webhooks.verification).toContainText("Stripe signature valid");
    await expect(webhooks.payload).toContainText(`"id": "${event.id}"`);
    await expect(webhooks.payload).toContainText(`"paydesk_customer": "${email}"`);
    await expect(webhooks.attempts).toHaveText("1");
    await expect(webhooks.paymentLink).toHaveCount(0);

    // The dry run says what would change and changes nothing.
    const dry = await webhooks.dryRun();
    await expect(dry).toHaveAttribute("data-outcome", "processed");
    // Recorded as pending first, then moved to what Stripe says (docs/providers.md).
    await expect(dry).toHaveAttribute("data-changes", "3");
    await expect(webhooks.changes(dry).first()).toHaveAttribute("data-action", "payment.create");
    await expect(webhooks.changes(dry).nth(1)).toHaveAttribute("data-action", "payment.status_change");
    await expect(webhooks.changes(dry).nth(2)).toHaveAttribute("data-action", "subscription.extend");
    await expect(dry).toContainText("succeeded");
    await page.reload();
    await webhooks.expectOutcome("Ignored");
    await expect(webhooks.attempts).toHaveText("1");

    // The real replay, confirmed in its dialog.
    await webhooks.dryRun();
    const replayed = await webhooks.replay();
    await expect(replayed).toHaveAttribute("data-outcome", "processed");
    await expect(replayed).toHaveAttribute("data-changes", "3");
    await expect(webhooks.toast("Event replayed (processed): 3 changes")).toBeVisible();
    await webhooks.expectOutcome("Processed");
    await expect(webhooks.attempts).toHaveText("2");
    await expect(webhooks.paymentLink).toBeVisible();

    // Replaying again would change nothing.
    const again = await webhooks.dryRun();
    await expect(again).toHaveAttribute("data-changes", "0");
    await expect(again.getByTestId("replay-no-changes")).toHaveText("Nothing would change.");

    // The payment it recorded, and the event on the payment's timeline.
    await webhooks.paymentLink.click();
    await expect(paymentDetail.heading).toBeVisible();
    await paymentDetail.expectStatus("Succeeded");
    await expect(paymentDetail.amount).toContainText("599");
    const onTimeline = paymentDetail.timelineEntry("webhook.event");
    await expect(onTimeline).toHaveCount(1);
    await expect(onTimeline.getByTestId("timeline-webhook")).toContainText("payment_intent.succeeded");
    await onTimeline.getByRole("link", { name: "payment_intent.succeeded" }).click();
    await expect(page).toHaveURL(new RegExp(`/webhooks/${delivered.eventId}$`));
  });
});

test.describe("webhook event log as support", () => {
  test.use(asRole("support"));

  test("sees the log and an event, but no replay, by page or by action", async ({
    page,
    request,
    webhooks,
  }) => {
    const email = uniqueEmail("webhook-support");
    const delivered = await deliver(request, succeededFor(email));

    await webhooks.goto({ provider: "stripe" });
    await expect(webhooks.row(delivered.eventId)).toHaveCount(1);
    await webhooks.openFromList(delivered.eventId);
    await webhooks.expectOutcome("Ignored");
    await expect(webhooks.payload).toContainText(email);
    await expect(webhooks.replayPanel).toHaveCount(0);
    await expect(webhooks.dryRunButton).toHaveCount(0);

    // The server refuses too: hiding the button is not the check.
    for (const name of ["dryRunReplayAction", "replayWebhookAction"]) {
      const call = await callServerAction(page.request, {
        page: `/webhooks/${delivered.eventId}`,
        actionId: serverActionId("app/(admin)/webhooks/actions.ts", name),
        args: [{ eventId: delivered.eventId }],
      });
      expect(call.result, call.body).toMatchObject({ ok: false, code: "forbidden" });
    }
    await page.reload();
    await webhooks.expectOutcome("Ignored");
    await expect(webhooks.attempts).toHaveText("1");
  });
});
