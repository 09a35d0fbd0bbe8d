import { type Browser, test as base, expect, type Page } from "@playwright/test";
import { AccountPasswordPage } from "../pages/account-password.page";
import { LoginPage } from "../pages/login.page";
import { NewPaymentPage } from "../pages/new-payment.page";
import { PaymentDetailPage } from "../pages/payment-detail.page";
import { PaymentsListPage } from "../pages/payments-list.page";
import { StaffPage } from "../pages/staff.page";
import { WebhooksPage } from "../pages/webhooks.page";
import { type Role, storageStateOf } from "./roles";

export interface Pages {
  loginPage: LoginPage;
  accountPassword: AccountPasswordPage;
  paymentsList: PaymentsListPage;
  newPayment: NewPaymentPage;
  paymentDetail: PaymentDetailPage;
  staffPage: StaffPage;
  webhooks: WebhooksPage;
}

export function pagesFor(page: Page): Pages {
  return {
    loginPage: new LoginPage(page),
    accountPassword: new AccountPasswordPage(page),
    paymentsList: new PaymentsListPage(page),
    newPayment: new NewPaymentPage(page),
    paymentDetail: new PaymentDetailPage(page),
    staffPage: new StaffPage(page),
    webhooks: new WebhooksPage(page),
  };
}

export interface OtherSession extends Pages {
  page: Page;
}

interface Fixtures extends Pages {
  /**
   * Opens another browser context: signed in as a demo role, or signed out (`null`). Closed
   * when the test ends. For journeys with two people, or a fresh sign-in.
   */
  openSession: (role: Role | null) => Promise<OtherSession>;
}

export const test = base.extend<Fixtures>({
  loginPage: async ({ page }, use) => use(new LoginPage(page)),
  accountPassword: async ({ page }, use) => use(new AccountPasswordPage(page)),
  paymentsList: async ({ page }, use) => use(new PaymentsListPage(page)),
  newPayment: async ({ page }, use) => use(new NewPaymentPage(page)),
  paymentDetail: async ({ page }, use) => use(new PaymentDetailPage(page)),
  staffPage: async ({ page }, use) => use(new StaffPage(page)),
  webhooks: async ({ page }, use) => use(new WebhooksPage(page)),
  openSession: async ({ browser }, use) => {
    const opened: Awaited<ReturnType<Browser["newContext"]>>[] = [];
    await use(async (role) => {
      const context = await browser.newContext(
        role ? { storageState: storageStateOf(role) } : { storageState: { cookies: [], origins: [] } },
      );
      opened.push(context);
      const page = await context.newPage();
      return { page, ...pagesFor(page) };
    });
    for (const context of opened) await context.close();
  },
});

/** `test.use(asRole("support"))`: the spec runs signed in as that demo account. */
export function asRole(role: Role) {
  return { storageState: storageStateOf(role) };
}

/** Signed out: no saved session at all. */
export const signedOut = { storageState: { cookies: [], origins: [] } };

export { expect };
