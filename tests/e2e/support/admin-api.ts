import { expect, request as playwrightRequest } from "@playwright/test";
import { uniqueEmail } from "./data";
import { E2E_BASE_URL } from "./env";
import { storageStateOf } from "./roles";
import { callServerAction, serverActionId } from "./server-actions";

const PAYMENT_ACTIONS = "app/(admin)/payments/actions.ts";

export interface PaidCustomer {
  customerId: string;
  email: string;
  name: string;
  paymentId: string;
}

/**
 * A customer of this test's own with one succeeded Premium payment, made by the demo admin
 * through the same server actions the new-payment form calls (so the audit trail shows the
 * admin as actor, via web).
 */
export async function createPaidCustomer(
  prefix: string,
  reason = "Bank transfer seen on the statement",
): Promise<PaidCustomer> {
  const api = await playwrightRequest.newContext({
    baseURL: E2E_BASE_URL,
    storageState: storageStateOf("admin"),
  });
  try {
    const email = uniqueEmail(prefix);
    // The random tail of the address keeps the name unique too (the head is a timestamp).
    const name = `Test ${prefix} ${email.split("@")[0]!.slice(-6)}`;
    const customer = await callServerAction(api, {
      page: "/payments/new",
      actionId: serverActionId(PAYMENT_ACTIONS, "createCustomerAction"),
      args: [{ email, name }],
    });
    expect(customer.result, customer.body).toMatchObject({ ok: true, data: { email } });
    const customerId = (customer.result as { data: { id: string } }).data.id;
    const payment = await callServerAction(api, {
      page: "/payments/new",
      actionId: serverActionId(PAYMENT_ACTIONS, "createPaymentAction"),
      args: [
        {
          customer: customerId,
          plan: "premium",
          kind: "manual",
          amount: "599.00",
          currency: "RUB",
          status: "succeeded",
          method: "bank_transfer",
          description: `=HYPERLINK("http://evil.example") ${prefix}`,
          reason,
          idempotencyKey: crypto.randomUUID(),
        },
      ],
    });
    expect(payment.result, payment.body).toMatchObject({ ok: true, data: { status: "succeeded" } });
    const paymentId = (payment.result as { data: { id: string } }).data.id;
    return { customerId, email, name, paymentId };
  } finally {
    await api.dispose();
  }
}
