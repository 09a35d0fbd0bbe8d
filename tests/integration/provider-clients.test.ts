import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ServiceError } from "@/lib/errors";
import { breakerStatus, resetBreakers } from "@/lib/providers/breaker";
import { ProviderCallError } from "@/lib/providers/call-error";
import {
  cancelStripeIntent,
  captureStripeIntent,
  createStripeRefund,
  fetchStripeIntentState,
  fetchStripeRefund,
} from "@/lib/providers/stripe/api";
import {
  cancelYooKassaPayment,
  captureYooKassaPayment,
  createYooKassaRefund,
  fetchYooKassaPayment,
  listYooKassaRefunds,
} from "@/lib/providers/yookassa/api";
import { type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";
import {
  startYooKassaApiStandIn,
  YOOKASSA_TEST_SECRET_KEY,
  YOOKASSA_TEST_SHOP_ID,
  type YooKassaApiStandIn,
} from "../support/yookassa-api";

// Small timeouts so that a hanging provider costs well under a second per attempt.
const TIMEOUT_MS = 300;
const ENV_KEYS = [
  "STRIPE_SECRET_KEY",
  "STRIPE_API_BASE",
  "STRIPE_TIMEOUT_MS",
  "YOOKASSA_SHOP_ID",
  "YOOKASSA_SECRET_KEY",
  "YOOKASSA_API_BASE",
  "YOOKASSA_API_TIMEOUT_MS",
  "PROVIDER_BREAKER_THRESHOLD",
  "PROVIDER_BREAKER_HALF_OPEN_MS",
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

function setEnv(values: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

let stripe: StripeApiStandIn;
let yookassa: YooKassaApiStandIn;

beforeAll(async () => {
  stripe = await startStripeApiStandIn();
  yookassa = await startYooKassaApiStandIn();
});

afterAll(async () => {
  await stripe.close();
  await yookassa.close();
  setEnv(savedEnv);
  resetBreakers();
});

beforeEach(() => {
  setEnv({
    STRIPE_SECRET_KEY: "sk_test_x",
    STRIPE_API_BASE: stripe.url,
    STRIPE_TIMEOUT_MS: String(TIMEOUT_MS),
    YOOKASSA_SHOP_ID: YOOKASSA_TEST_SHOP_ID,
    YOOKASSA_SECRET_KEY: YOOKASSA_TEST_SECRET_KEY,
    YOOKASSA_API_BASE: yookassa.url,
    YOOKASSA_API_TIMEOUT_MS: String(TIMEOUT_MS),
    PROVIDER_BREAKER_THRESHOLD: undefined,
    PROVIDER_BREAKER_HALF_OPEN_MS: undefined,
  });
  stripe.reset();
  yookassa.reset();
  resetBreakers();
});

/** The ProviderCallError a promise rejects with (fails the test on anything else). */
async function callError(promise: Promise<unknown>): Promise<ProviderCallError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderCallError);
  return err as ProviderCallError;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - started };
}

const statusOf = (provider: "stripe" | "yookassa") => {
  const status = breakerStatus().find((s) => s.provider === provider);
  if (!status) throw new Error(`no breaker status for ${provider}`);
  return status;
};

describe("Stripe client", () => {
  it("reads an intent with all its refunds (following has_more) and disputes", async () => {
    const intent = stripe.putIntent();
    const other = stripe.putIntent();
    for (let i = 0; i < 130; i++) stripe.putRefund({ payment_intent: String(intent.id), amount: 100 });
    stripe.putRefund({ payment_intent: String(other.id), amount: 100 });
    const dispute = stripe.putDispute({ payment_intent: String(intent.id), status: "needs_response" });

    const state = await fetchStripeIntentState(String(intent.id));

    expect(state.intent.id).toBe(intent.id);
    expect(state.intent.status).toBe("succeeded");
    expect(state.refunds).toHaveLength(130);
    expect(new Set(state.refunds.map((r) => r.id)).size).toBe(130);
    expect(state.refunds.every((r) => r.payment_intent === intent.id)).toBe(true);
    expect(state.disputes.map((d) => d.id)).toEqual([dispute.id]);
    expect(stripe.count("GET", "/v1/refunds")).toBe(2);
    const pages = stripe.requests.filter((r) => r.path === "/v1/refunds");
    expect(pages[0]?.query.get("limit")).toBe("100");
    expect(pages[1]?.query.get("starting_after")).toBe(state.refunds[99]?.id);
  });

  it("creates a refund with the idempotency key and returns Stripe's object, whatever its status", async () => {
    const intent = stripe.putIntent();
    stripe.nextRefundStatus = "pending";
    const refund = await createStripeRefund({
      paymentIntentId: String(intent.id),
      amountMinor: 10_000n,
      currency: "RUB",
      idempotencyKey: "refund-1",
      metadata: { paydesk_refund: "r1" },
    });
    expect(refund).toMatchObject({
      object: "refund",
      status: "pending",
      amount: 10_000,
      currency: "rub",
      payment_intent: intent.id,
      metadata: { paydesk_refund: "r1" },
    });
    const sent = stripe.requests.find((r) => r.method === "POST");
    expect(sent?.idempotencyKey).toBe("refund-1");
    expect(sent?.form.get("amount")).toBe("10000");

    stripe.nextRefundStatus = "failed";
    const failed = await createStripeRefund({
      paymentIntentId: String(intent.id),
      amountMinor: 100n,
      currency: "RUB",
      idempotencyKey: "refund-2",
      metadata: {},
    });
    expect(failed.status).toBe("failed");

    const read = await fetchStripeRefund(String(refund.id));
    expect(read.id).toBe(refund.id);
    stripe.setRefundStatus(String(refund.id), "failed", "lost_or_stolen_card");
    expect(await fetchStripeRefund(String(refund.id))).toMatchObject({
      status: "failed",
      failure_reason: "lost_or_stolen_card",
    });
  });

  it("the same idempotency key twice makes one refund", async () => {
    const intent = stripe.putIntent();
    const request = {
      paymentIntentId: String(intent.id),
      amountMinor: 59_900n,
      currency: "RUB",
      idempotencyKey: "same-key",
      metadata: { paydesk_refund: "r1" },
    };
    const first = await createStripeRefund(request);
    const second = await createStripeRefund(request);
    expect(second.id).toBe(first.id);
    expect(stripe.refunds.size).toBe(1);
    expect(stripe.count("POST", "/v1/refunds")).toBe(2);
  });

  it("a refund Stripe refuses is `refused` with Stripe's message; nothing is refunded", async () => {
    const intent = stripe.putIntent({ amount_received: 1_000 });
    const err = await callError(
      createStripeRefund({
        paymentIntentId: String(intent.id),
        amountMinor: 1_001n,
        currency: "RUB",
        idempotencyKey: "too-much",
        metadata: {},
      }),
    );
    expect(err.outcome).toBe("refused");
    expect(err.code).toBe("provider_error");
    expect(err.httpStatus).toBe(400);
    expect(err.message).toMatch(
      /^Stripe refused .*: Refund amount \(1001\) is greater than unrefunded amount/,
    );
    expect(stripe.refunds.size).toBe(0);
  });

  it("an unknown object is `not_found`", async () => {
    const err = await callError(fetchStripeRefund("re_missing"));
    expect(err.outcome).toBe("not_found");
    expect(err.httpStatus).toBe(404);
    expect((await callError(fetchStripeIntentState("pi_missing"))).outcome).toBe("not_found");
    expect((await callError(fetchStripeRefund("../v1/charges"))).outcome).toBe("not_found");
    expect(stripe.count("GET", "/v1/charges")).toBe(0);
  });

  it("an amount Stripe cannot express is a field error, and nothing is sent", async () => {
    const intent = stripe.putIntent({ currency: "mga" });
    const err = await createStripeRefund({
      paymentIntentId: String(intent.id),
      amountMinor: 1_050n,
      currency: "MGA",
      idempotencyKey: "mga",
      metadata: {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).not.toBeInstanceOf(ProviderCallError);
    expect((err as ServiceError).fieldErrors.amount).toEqual(["Stripe takes only whole amounts of MGA"]);
    expect(stripe.requests).toHaveLength(0);
  });

  it("captures (part of) and cancels an authorised intent", async () => {
    const held = stripe.putIntent({
      status: "requires_capture",
      capture_method: "manual",
      amount_capturable: 59_900,
      amount_received: 0,
    });
    const captured = await captureStripeIntent({
      intentId: String(held.id),
      amountMinor: 30_000n,
      currency: "RUB",
      idempotencyKey: "capture-1",
    });
    expect(captured).toMatchObject({ id: held.id, status: "succeeded", amount_received: 30_000 });
    expect(stripe.requests.at(-1)?.form.get("amount_to_capture")).toBe("30000");

    const again = await callError(
      captureStripeIntent({ intentId: String(held.id), currency: "RUB", idempotencyKey: "capture-2" }),
    );
    expect(again.outcome).toBe("refused");
    expect(again.message).toContain("status of succeeded");

    const other = stripe.putIntent({
      status: "requires_capture",
      amount_capturable: 59_900,
      amount_received: 0,
    });
    const canceled = await cancelStripeIntent({ intentId: String(other.id), idempotencyKey: "cancel-1" });
    expect(canceled).toMatchObject({ id: other.id, status: "canceled" });
    expect(stripe.requests.at(-1)?.idempotencyKey).toBe("cancel-1");
  });

  it("without STRIPE_SECRET_KEY nothing is sent", async () => {
    setEnv({ STRIPE_SECRET_KEY: undefined });
    const err = await callError(fetchStripeRefund("re_x"));
    expect(err.outcome).toBe("not_sent");
    expect(err.message).toContain("STRIPE_SECRET_KEY is not set");
    expect(stripe.requests).toHaveLength(0);
  });

  it("a Stripe that never answers is `unknown`, after the SDK's retries within their timeouts", async () => {
    const intent = stripe.putIntent();
    stripe.fault = () => "hang";
    const { result: err, ms } = await timed(() =>
      callError(
        createStripeRefund({
          paymentIntentId: String(intent.id),
          amountMinor: 100n,
          currency: "RUB",
          idempotencyKey: "lost",
          metadata: {},
        }),
      ),
    );
    expect(err.outcome).toBe("unknown");
    expect(err.code).toBe("provider_unavailable");
    expect(err.message).toContain(`timeout being reached (${TIMEOUT_MS}ms)`);
    // Three attempts of 300 ms plus the SDK's backoff (0.5 s, then 0.5–1 s).
    expect(ms).toBeLessThan(3 * TIMEOUT_MS + 1_500 + 1_000);
    expect(stripe.count("POST", "/v1/refunds")).toBe(3);
    expect(stripe.requests.every((r) => r.idempotencyKey === "lost")).toBe(true);
  });

  it("a refund made but never answered: the retry with the same key gets the same refund", async () => {
    const intent = stripe.putIntent();
    const request = {
      paymentIntentId: String(intent.id),
      amountMinor: 20_000n,
      currency: "RUB",
      idempotencyKey: "answer-lost",
      metadata: {},
    };
    stripe.fault = (req) => (req.method === "POST" ? "hang_after_accept" : null);
    const err = await callError(createStripeRefund(request));
    expect(err.outcome).toBe("unknown");
    expect(stripe.refunds.size).toBe(1);

    stripe.fault = null;
    const retried = await createStripeRefund(request);
    expect(retried.id).toBe([...stripe.refunds.keys()][0]);
    expect(stripe.refunds.size).toBe(1);
  });

  it("a 5xx from Stripe is `unknown`", async () => {
    stripe.fault = () => "error500";
    const err = await callError(fetchStripeRefund("re_x"));
    expect(err.outcome).toBe("unknown");
    expect(err.httpStatus).toBe(500);
  });

  it("after 5 timeouts the breaker opens: the next call fails at once, sends nothing", async () => {
    const refund = stripe.putRefund({ payment_intent: String(stripe.putIntent().id) });
    stripe.fault = () => "hang";
    const failures = await Promise.all(
      Array.from({ length: 5 }, () => callError(fetchStripeRefund(String(refund.id)))),
    );
    expect(failures.map((e) => e.outcome)).toEqual(Array(5).fill("unknown"));
    const sent = stripe.requests.length;

    stripe.fault = null;
    const { result: err, ms } = await timed(() => callError(fetchStripeRefund(String(refund.id))));
    expect(ms).toBeLessThan(50);
    expect(err.outcome).toBe("not_sent");
    expect(err.message).toBe(
      "Stripe is failing: calls are paused for 30 s after 5 failed calls; nothing was sent",
    );
    expect(stripe.requests.length).toBe(sent);

    const status = statusOf("stripe");
    expect(status).toMatchObject({ state: "open", failures: 5 });
    expect(status.openedAt).toBeInstanceOf(Date);
    expect(status.lastFailure).toContain("timeout");
    expect(statusOf("yookassa")).toMatchObject({
      state: "closed",
      failures: 0,
      openedAt: null,
      lastFailure: null,
    });

    resetBreakers();
    expect((await fetchStripeRefund(String(refund.id))).id).toBe(refund.id);
  });
});

describe("YooKassa client", () => {
  it("creates a refund: basic auth, Idempotence-Key, decimal amount; returns the parsed refund", async () => {
    const payment = yookassa.putPayment();
    const refund = await createYooKassaRefund({
      paymentId: String(payment.id),
      amountMinor: 10_050n,
      currency: "RUB",
      idempotenceKey: "yk-refund-1",
      description: "Customer asked",
    });
    expect(refund).toMatchObject({
      paymentId: payment.id,
      status: "succeeded",
      amount: { minor: 10_050n, currency: "RUB", value: "100.50" },
      description: "Customer asked",
      cancellation: null,
    });
    const sent = yookassa.requests.at(-1);
    expect(sent?.idempotenceKey).toBe("yk-refund-1");
    expect(sent?.body).toEqual({
      payment_id: payment.id,
      amount: { value: "100.50", currency: "RUB" },
      description: "Customer asked",
    });
  });

  it("a refund YooKassa cancels carries its cancellation details", async () => {
    const payment = yookassa.putPayment();
    yookassa.nextRefundStatus = "canceled";
    const refund = await createYooKassaRefund({
      paymentId: String(payment.id),
      amountMinor: 59_900n,
      currency: "RUB",
      idempotenceKey: "yk-canceled",
    });
    expect(refund.status).toBe("canceled");
    expect(refund.cancellation).toEqual({ party: "yoo_money", reason: "rejected_by_payee" });
  });

  it("the same idempotence key twice makes one refund", async () => {
    const payment = yookassa.putPayment();
    const request = {
      paymentId: String(payment.id),
      amountMinor: 59_900n,
      currency: "RUB",
      idempotenceKey: "yk-same",
    };
    const first = await createYooKassaRefund(request);
    const second = await createYooKassaRefund(request);
    expect(second.id).toBe(first.id);
    expect(yookassa.refunds.size).toBe(1);
    expect(yookassa.count("POST", "/v3/refunds")).toBe(2);
  });

  it("a refund YooKassa refuses is `refused` with its description", async () => {
    const payment = yookassa.putPayment({ amount: { value: "10.00", currency: "RUB" } });
    const err = await callError(
      createYooKassaRefund({
        paymentId: String(payment.id),
        amountMinor: 1_001n,
        currency: "RUB",
        idempotenceKey: "yk-too-much",
      }),
    );
    expect(err.outcome).toBe("refused");
    expect(err.httpStatus).toBe(400);
    expect(err.message).toMatch(/^YooKassa refused the refund of payment .*: Refund amount exceeds/);
    expect(yookassa.refunds.size).toBe(0);
    expect(yookassa.count("POST", "/v3/refunds")).toBe(1);
  });

  it("captures (part of) and cancels a payment waiting for capture", async () => {
    const held = yookassa.putPayment({ status: "waiting_for_capture" });
    const captured = await captureYooKassaPayment({
      paymentId: String(held.id),
      amountMinor: 50_000n,
      currency: "RUB",
      idempotenceKey: "yk-capture",
    });
    expect(captured).toMatchObject({
      id: held.id,
      status: "succeeded",
      paid: true,
      amount: { minor: 50_000n, value: "500.00" },
      incomeAmount: { minor: 50_000n, currency: "RUB" },
    });
    expect(captured.capturedAt).toEqual(expect.any(String));
    expect(yookassa.requests.at(-1)?.body).toEqual({ amount: { value: "500.00", currency: "RUB" } });

    const whole = yookassa.putPayment({ status: "waiting_for_capture" });
    await captureYooKassaPayment({ paymentId: String(whole.id), currency: "RUB", idempotenceKey: "yk-c2" });
    expect(yookassa.requests.at(-1)?.body).toEqual({});

    const other = yookassa.putPayment({ status: "waiting_for_capture" });
    const canceled = await cancelYooKassaPayment({
      paymentId: String(other.id),
      idempotenceKey: "yk-cancel",
    });
    expect(canceled).toMatchObject({
      status: "canceled",
      cancellation: { party: "merchant", reason: "canceled_by_merchant" },
      capturedAt: null,
    });

    const refused = await callError(
      cancelYooKassaPayment({ paymentId: String(held.id), idempotenceKey: "yk-cancel-2" }),
    );
    expect(refused.outcome).toBe("refused");
    expect(refused.message).toContain("cannot be canceled");
  });

  it("an unknown payment is `not_found`", async () => {
    const err = await callError(
      captureYooKassaPayment({
        paymentId: "2d9a5f2e-000f-5000-8000-000000000000",
        currency: "RUB",
        idempotenceKey: "yk-nf",
      }),
    );
    expect(err.outcome).toBe("not_found");
    expect(err.httpStatus).toBe(404);
  });

  it("lists every refund of a payment, following next_cursor", async () => {
    const payment = yookassa.putPayment();
    const other = yookassa.putPayment();
    for (let i = 0; i < 5; i++) {
      yookassa.putRefund({ payment_id: String(payment.id), amount: { value: "1.00", currency: "RUB" } });
    }
    yookassa.putRefund({ payment_id: String(other.id) });
    yookassa.pageSize = 2;
    const refunds = await listYooKassaRefunds(String(payment.id));
    expect(refunds).toHaveLength(5);
    expect(refunds.every((r) => r.paymentId === payment.id && r.amount.minor === 100n)).toBe(true);
    expect(yookassa.count("GET", "/v3/refunds")).toBe(3);
    expect(yookassa.requests.at(-1)?.query.get("cursor")).toBe("4");
  });

  it("the GET helpers read the new payment fields", async () => {
    const payment = yookassa.putPayment({ income_amount: { value: "578.03", currency: "RUB" } });
    const read = await fetchYooKassaPayment(String(payment.id));
    expect(read.incomeAmount).toEqual({ minor: 57_803n, currency: "RUB", value: "578.03" });
    expect(read.capturedAt).toBe(payment.captured_at);
  });

  it("wrong credentials are `refused` with the credentials message", async () => {
    setEnv({ YOOKASSA_SECRET_KEY: "wrong" });
    const err = await callError(listYooKassaRefunds(String(yookassa.putPayment().id)));
    expect(err.outcome).toBe("refused");
    expect(err.httpStatus).toBe(401);
    expect(err.message).toContain("check YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY");
  });

  it("without credentials nothing is sent", async () => {
    setEnv({ YOOKASSA_SHOP_ID: undefined });
    const err = await callError(listYooKassaRefunds(String(yookassa.putPayment().id)));
    expect(err.outcome).toBe("not_sent");
    expect(yookassa.requests).toHaveLength(0);
  });

  it("a YooKassa that never answers is `unknown` after one retry with the same key", async () => {
    const payment = yookassa.putPayment();
    yookassa.fault = () => "hang";
    const { result: err, ms } = await timed(() =>
      callError(
        createYooKassaRefund({
          paymentId: String(payment.id),
          amountMinor: 100n,
          currency: "RUB",
          idempotenceKey: "yk-lost",
        }),
      ),
    );
    expect(err.outcome).toBe("unknown");
    expect(err.message).toContain(`no answer within ${TIMEOUT_MS} ms`);
    expect(ms).toBeLessThan(2 * TIMEOUT_MS + 200 + 600);
    expect(yookassa.requests.map((r) => r.idempotenceKey)).toEqual(["yk-lost", "yk-lost"]);
    expect(yookassa.refunds.size).toBe(0);
  });

  it("a refund made but never answered: the retry with the same key gets the same refund", async () => {
    const payment = yookassa.putPayment();
    const request = {
      paymentId: String(payment.id),
      amountMinor: 20_000n,
      currency: "RUB",
      idempotenceKey: "yk-answer-lost",
    };
    // Only the first attempt's answer is lost: the client's own retry gets the refund.
    let attempts = 0;
    yookassa.fault = () => (attempts++ === 0 ? "hang_after_accept" : null);
    const first = await createYooKassaRefund(request);
    expect(yookassa.refunds.size).toBe(1);
    expect(first.id).toBe([...yookassa.refunds.keys()][0]);

    // Every answer lost: `unknown`; the caller's later retry with the same key gets it.
    const request2 = { ...request, idempotenceKey: "yk-answer-lost-2" };
    yookassa.fault = () => "hang_after_accept";
    const err = await callError(createYooKassaRefund(request2));
    expect(err.outcome).toBe("unknown");
    expect(yookassa.refunds.size).toBe(2);
    yookassa.fault = null;
    const retried = await createYooKassaRefund(request2);
    expect(retried.id).toBe([...yookassa.refunds.keys()][1]);
    expect(yookassa.refunds.size).toBe(2);
  });

  it("a 5xx is `unknown`", async () => {
    yookassa.fault = () => "error500";
    const err = await callError(listYooKassaRefunds(String(yookassa.putPayment().id)));
    expect(err.outcome).toBe("unknown");
    expect(err.httpStatus).toBe(500);
    expect(yookassa.count("GET", "/v3/refunds")).toBe(2);
  });

  it("after 5 timeouts the breaker opens: the next call fails at once, sends nothing", async () => {
    const payment = yookassa.putPayment();
    yookassa.fault = () => "hang";
    const failures = await Promise.all(
      Array.from({ length: 5 }, () => callError(listYooKassaRefunds(String(payment.id)))),
    );
    expect(failures.map((e) => e.outcome)).toEqual(Array(5).fill("unknown"));
    const sent = yookassa.requests.length;

    yookassa.fault = null;
    const { result: err, ms } = await timed(() =>
      callError(
        createYooKassaRefund({
          paymentId: String(payment.id),
          amountMinor: 100n,
          currency: "RUB",
          idempotenceKey: "yk-paused",
        }),
      ),
    );
    expect(ms).toBeLessThan(50);
    expect(err.outcome).toBe("not_sent");
    expect(err.message).toBe(
      "YooKassa is failing: calls are paused for 30 s after 5 failed calls; nothing was sent",
    );
    expect(yookassa.requests.length).toBe(sent);
    expect(yookassa.refunds.size).toBe(0);
    expect(statusOf("yookassa")).toMatchObject({ state: "open", failures: 5 });
    expect(statusOf("stripe").state).toBe("closed");
  });

  it("refused answers are a healthy provider: they do not count toward the breaker", async () => {
    setEnv({ PROVIDER_BREAKER_THRESHOLD: "3" });
    const payment = yookassa.putPayment();
    const list = () => listYooKassaRefunds(String(payment.id));
    yookassa.fault = () => "error500";
    await callError(list());
    await callError(list());
    expect(statusOf("yookassa")).toMatchObject({ state: "closed", failures: 2 });

    yookassa.fault = null;
    const refused = await callError(
      cancelYooKassaPayment({ paymentId: String(payment.id), idempotenceKey: "yk-healthy" }),
    );
    expect(refused.outcome).toBe("refused");
    expect(statusOf("yookassa")).toMatchObject({ state: "closed", failures: 0 });

    yookassa.fault = () => "error500";
    await callError(list());
    await callError(list());
    expect(statusOf("yookassa").state).toBe("closed");
    await callError(list());
    expect(statusOf("yookassa")).toMatchObject({ state: "open", failures: 3 });
    expect(statusOf("yookassa").lastFailure).toContain("HTTP 500");
  });

  it("an open breaker lets a trial call through after the pause, and closes when it succeeds", async () => {
    setEnv({ PROVIDER_BREAKER_THRESHOLD: "2", PROVIDER_BREAKER_HALF_OPEN_MS: "300" });
    const payment = yookassa.putPayment();
    const list = () => listYooKassaRefunds(String(payment.id));
    yookassa.fault = () => "error500";
    await callError(list());
    await callError(list());
    expect((await callError(list())).message).toMatch(/paused for 1 s after 2 failed calls/);
    expect(statusOf("yookassa").state).toBe("open");

    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(statusOf("yookassa").state).toBe("half_open");
    yookassa.fault = null;
    expect(await list()).toEqual([]);
    expect(statusOf("yookassa")).toMatchObject({ state: "closed", failures: 0, openedAt: null });
  });
});
