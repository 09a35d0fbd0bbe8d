import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { stripeId } from "../support/stripe-events";
import { AuditPage } from "./pages/audit.page";
import { CommandPalette, CustomersPage } from "./pages/customers.page";
import { ReviewPage } from "./pages/review.page";
import { expect, type OtherSession, test } from "./support/fixtures";
import type { Role } from "./support/roles";
import { callServerAction, serverActionId } from "./support/server-actions";
import { stripeControl } from "./support/stripe-control";
import { createCustomer, recordStripePayment } from "./support/stripe-payments";
import { deliverStripeEvent, disputeEvent } from "./support/stripe-webhooks";

// Journey 9: axe on every page, in light and dark theme, failing on serious and critical
// violations. The same tour saves a 1280×800 screenshot of each page into
// test-results/screenshots/ for people to look at.

const SCREENSHOTS = path.join(import.meta.dirname, "..", "..", "test-results", "screenshots");
const THEMES = ["light", "dark"] as const;
type Theme = (typeof THEMES)[number];

interface Stop {
  name: string;
  role: Role | null;
  /** Navigates and waits until the page (and any dialog it opens) is ready. */
  open: (session: OtherSession) => Promise<void>;
}

const STOPS: Stop[] = [
  {
    name: "login",
    role: null,
    open: async ({ loginPage }) => loginPage.goto(),
  },
  {
    name: "payments",
    role: "admin",
    open: async ({ paymentsList }) => {
      await paymentsList.goto();
      await expect(paymentsList.rows.first()).toBeVisible();
    },
  },
  {
    name: "payments-new",
    role: "admin",
    open: async ({ newPayment }) => {
      await newPayment.goto();
    },
  },
  {
    name: "payments-new-invalid",
    role: "admin",
    open: async ({ newPayment }) => {
      await newPayment.goto();
      await newPayment.submit.click();
      await expect(newPayment.fieldError("customer")).toBeVisible();
      // Focus goes to the first invalid field.
      await expect(newPayment.customer).toBeFocused();
    },
  },
  {
    name: "payment-detail",
    role: "admin",
    open: async (session) => {
      await openPendingPayment(session);
    },
  },
  {
    name: "payment-detail-dialog",
    role: "admin",
    open: async (session) => {
      await openPendingPayment(session);
      const dialog = await session.paymentDetail.openStatusDialog("Mark succeeded");
      await settle(session.page);
      await expect(dialog).toBeVisible();
    },
  },
  {
    name: "payment-detail-refund-dialog",
    role: "admin",
    open: async ({ page, paymentsList, paymentDetail }) => {
      await paymentsList.goto({ status: "succeeded", kind: "manual" });
      await paymentsList.rows.first().getByRole("link").first().click();
      await expect(paymentDetail.heading).toBeVisible();
      const dialog = await paymentDetail.openRefundDialog();
      await expect(paymentDetail.dialogEffect(dialog)).toHaveAttribute("data-effect", /.+/);
      await settle(page);
    },
  },
  {
    name: "payment-detail-provider",
    role: "admin",
    open: async (session) => {
      await openProviderPayment(session);
    },
  },
  {
    name: "payment-detail-held",
    role: "admin",
    open: async ({ page, paymentDetail }) => {
      // Paid in dollars for a rouble plan: held for review, with the admin's Grant / Dismiss.
      const customer = await createCustomer("a11y-held");
      const held = await recordStripePayment(page.request, customer, {
        type: "payment_intent.succeeded",
        amount: 1_000,
        currency: "usd",
      });
      await paymentDetail.goto(held.paymentId);
      await expect(paymentDetail.reviewAlert).toBeVisible();
      await expect(paymentDetail.reviewGrant).toBeVisible();
      await expect(paymentDetail.providerPanel).toBeVisible();
    },
  },
  {
    name: "review",
    role: "admin",
    open: async ({ page }) => {
      const review = new ReviewPage(page);
      await review.goto();
      // The demo data has payments stuck at the provider: at least one group is a table.
      await expect(review.rows("stuck_payment").first()).toBeVisible();
      await expect(review.breakers).toBeVisible();
      await expect(review.reconciler).toBeVisible();
    },
  },
  {
    name: "staff",
    role: "admin",
    open: async ({ staffPage }) => {
      await staffPage.goto();
    },
  },
  {
    name: "account-password",
    role: "admin",
    open: async ({ accountPassword }) => {
      await accountPassword.goto();
    },
  },
  {
    name: "overview",
    role: "auditor",
    open: async ({ page }) => {
      await page.goto("/");
      await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
      await expect(page.getByTestId("revenue-chart")).toBeVisible();
    },
  },
  {
    name: "customers",
    role: "support",
    open: async ({ page }) => {
      const list = new CustomersPage(page);
      await list.goto();
      await expect(list.rows.first()).toBeVisible();
    },
  },
  {
    name: "customers-search",
    role: "support",
    open: async ({ page }) => {
      const list = new CustomersPage(page);
      await list.goto();
      await list.searchFor("example");
      await expect(list.rows.first()).toBeVisible();
    },
  },
  {
    name: "customer-detail",
    role: "admin",
    open: async ({ page }) => {
      const list = new CustomersPage(page);
      await list.goto();
      await list.rows.first().getByRole("link").first().click();
      await expect(page.getByRole("heading", { name: "Subscriptions", level: 2 })).toBeVisible();
    },
  },
  {
    name: "command-palette",
    role: "support",
    open: async ({ page }) => {
      await page.goto("/payments");
      const palette = new CommandPalette(page);
      await palette.openWithKeyboard();
      await palette.input.fill("example");
      await expect(palette.options.first()).toBeVisible();
      await settle(page);
    },
  },
  {
    name: "audit",
    role: "auditor",
    open: async ({ page }) => {
      const audit = new AuditPage(page);
      await audit.goto();
      await audit.toggle(audit.rows.first()).click();
      await expect(page.getByTestId("audit-entry-detail")).toBeVisible();
    },
  },
  {
    name: "audit-own",
    role: "support",
    open: async ({ page }) => {
      const audit = new AuditPage(page);
      await audit.goto();
      await expect(audit.ownOnlyNote).toBeVisible();
    },
  },
  {
    name: "webhooks",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/webhooks");
      await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    },
  },
  {
    name: "settings-webhooks",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/settings/webhooks");
      await expect(page.getByRole("heading", { name: "Outbound webhooks", level: 1 })).toBeVisible();
    },
  },
  {
    name: "settings-webhooks-create",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/settings/webhooks");
      await page.getByTestId("add-endpoint").click();
      await expect(page.getByRole("dialog")).toBeVisible();
    },
  },
  {
    name: "settings-api-keys",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/settings/api-keys");
      await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
    },
  },
  {
    name: "approvals",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/approvals");
      await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
    },
  },
  {
    name: "settings-approvals",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/settings/approvals");
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    },
  },
  {
    name: "settings-security",
    role: "admin",
    open: async ({ page }) => {
      await page.goto("/settings/security");
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    },
  },
  {
    name: "account-security",
    role: "auditor",
    open: async ({ page }) => {
      await page.goto("/account/security");
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    },
  },
  {
    name: "forbidden",
    role: "support",
    open: async ({ page }) => {
      const response = await page.goto("/staff");
      expect(response?.status()).toBe(403);
      await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    },
  },
];

async function openPendingPayment({ paymentsList, paymentDetail }: OtherSession) {
  await paymentsList.goto({ status: "pending" });
  await paymentsList.rows.first().getByRole("link").first().click();
  await expect(paymentDetail.heading).toBeVisible();
  await expect(paymentDetail.actionButton("Mark succeeded")).toBeVisible();
}

/**
 * A Stripe payment of its own with every provider section on its page: the provider panel
 * (with Sync), a refund Stripe left pending (the "do not refund again" warning, Refund blocked)
 * and a chargeback Stripe says was lost.
 */
async function openProviderPayment({ page, paymentDetail }: OtherSession) {
  const customer = await createCustomer("a11y-provider");
  const { intentId, paymentId } = await recordStripePayment(page.request, customer, {
    type: "payment_intent.succeeded",
    atStripe: true,
  });
  await stripeControl.nextRefund("pending");
  const refund = await callServerAction(page.request, {
    page: `/payments/${paymentId}`,
    actionId: serverActionId("app/(admin)/payments/actions.ts", "refundAction"),
    args: [{ paymentId, amount: null, revokeAccess: false, keepAccess: false, reason: "Customer asked" }],
  });
  expect(refund.result, refund.body).toMatchObject({ ok: true, data: { outcome: "pending" } });
  const dispute = { id: stripeId("dp"), paymentIntent: intentId, amount: 59_900, currency: "rub" };
  const created = Math.floor(Date.now() / 1000);
  for (const [type, status, at] of [
    ["charge.dispute.created", "needs_response", created],
    ["charge.dispute.closed", "lost", created + 1],
  ] as const) {
    const delivered = await deliverStripeEvent(
      page.request,
      disputeEvent(type, { ...dispute, status, balanceTransactions: 1 }, at),
    );
    expect(delivered).toMatchObject({ outcome: "processed" });
  }
  await paymentDetail.goto(paymentId);
  await expect(paymentDetail.providerPanel).toBeVisible();
  await expect(paymentDetail.syncButton).toBeVisible();
  await expect(paymentDetail.refundPendingWarning).toBeVisible();
  await expect(paymentDetail.refundBlocked).toBeVisible();
  await expect(paymentDetail.disputeLost).toBeVisible();
}

/** Waits for CSS animations (dialog zoom, fades) to finish so axe sees final colours. */
async function settle(page: Page) {
  await page.evaluate(() =>
    Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => undefined))),
  );
}

function describeViolations(violations: Awaited<ReturnType<AxeBuilder["analyze"]>>["violations"]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 8)
        .map((n) => `    - ${n.target.join(" ")}\n      ${n.failureSummary?.split("\n").join("\n      ")}`)
        .join("\n");
      return `[${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} node(s))\n  ${v.helpUrl}\n${nodes}`;
    })
    .join("\n\n");
}

for (const theme of THEMES) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    for (const stop of STOPS) {
      test(`${stop.name} has no serious accessibility violations`, async ({ openSession }, testInfo) => {
        const session = await openSession(stop.role);
        await session.page.addInitScript((value: Theme) => {
          window.localStorage.setItem("theme", value);
        }, theme);
        await stop.open(session);
        await expect(session.page.locator("html")).toHaveClass(
          theme === "dark" ? /\bdark\b/ : /^(?!.*\bdark\b)/,
        );
        await settle(session.page);

        const results = await new AxeBuilder({ page: session.page })
          .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
          .analyze();
        const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        const minor = results.violations.filter((v) => !blocking.includes(v));
        if (minor.length > 0) {
          await testInfo.attach("minor-violations.txt", { body: describeViolations(minor) });
        }

        await session.page.screenshot({ path: path.join(SCREENSHOTS, `${stop.name}-${theme}.png`) });
        expect(
          blocking,
          `axe found serious or critical violations:\n\n${describeViolations(blocking)}`,
        ).toEqual([]);
      });
    }
  });
}

test("the theme toggle switches to dark and back", async ({ openSession }) => {
  const { page, paymentsList } = await openSession("support");
  await paymentsList.goto();
  await page.getByRole("button", { name: "Change theme" }).click();
  await page.getByRole("menuitemradio", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await page.getByRole("button", { name: "Change theme" }).click();
  await page.getByRole("menuitemradio", { name: "Light" }).click();
  await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
});
