import { describe, expect, it } from "vitest";
import {
  disputeObject as disputeSchema,
  paymentIntentObject,
  refundObject as refundSchema,
} from "@/lib/providers/stripe/event";
import {
  disputeTarget,
  intentTarget,
  refundTarget,
  STRIPE_REFUND_METADATA,
  stripeState,
} from "@/lib/providers/stripe/target";
import { refundTargetStatus } from "@/lib/providers/target-status";
import type { YooKassaPayment, YooKassaRefund } from "@/lib/providers/yookassa/api";
import { yookassaPaymentTarget, yookassaRefundTarget, yookassaState } from "@/lib/providers/yookassa/target";
import { disputeObject, paymentIntent, refundObject } from "../support/stripe";

/**
 * docs/providers.md, "Statuses", "Refunds" and "Disputes", row by row: the pure functions that
 * turn Stripe's and YooKassa's objects into Paydesk's terms. Objects are built from Stripe's
 * own example objects (tests/fixtures/stripe) and read through the same schemas the webhook
 * route and the API client use.
 */

const DECLINED = { type: "card_error", code: "card_declined", message: "Your card was declined." };

function intent(overrides: Record<string, unknown>) {
  return paymentIntentObject.parse(
    paymentIntent({
      id: "pi_target_test",
      metadata: { paydesk_customer: "anna@example.com", paydesk_plan: "premium" },
      ...overrides,
    }),
  );
}

function ok<T>(result: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.value;
}

describe("intentTarget: every PaymentIntent status of the table", () => {
  // docs/providers.md "Statuses": Stripe PaymentIntent → Paydesk status.
  const TABLE = [
    { stripe: "requires_payment_method", paydesk: "pending" },
    { stripe: "requires_confirmation", paydesk: "pending" },
    { stripe: "requires_action", paydesk: "pending" },
    { stripe: "processing", paydesk: "processing" },
    { stripe: "requires_capture", paydesk: "processing" },
    { stripe: "succeeded", paydesk: "succeeded" },
    { stripe: "canceled", paydesk: "canceled" },
  ] as const;

  it.each(TABLE)("$stripe → $paydesk, the provider's word kept", ({ stripe, paydesk }) => {
    const target = ok(intentTarget(intent({ status: stripe, amount: 59_900 })));
    expect(target.status).toBe(paydesk);
    expect(target.providerStatus).toBe(stripe);
    expect(target.requestedMinor).toBe(59_900n);
    expect(target.currency).toBe("RUB");
    // Only a succeeded intent has a captured amount.
    expect(target.capturedMinor).toBe(paydesk === "succeeded" ? 59_900n : null);
  });

  it("never maps any status to failed (a declined attempt is not the end)", () => {
    for (const { stripe } of TABLE) {
      const target = ok(intentTarget(intent({ status: stripe, last_payment_error: DECLINED })));
      expect(target.status).not.toBe("failed");
    }
  });

  it("refuses a status it does not know instead of guessing", () => {
    const result = intentTarget(intent({ status: "requires_source" }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/unknown status "requires_source"/);
  });

  it("falls back to the status each event type implies when the object carries none", () => {
    const cases = [
      ["payment_intent.created", "requires_payment_method", "pending"],
      ["payment_intent.requires_action", "requires_action", "pending"],
      ["payment_intent.processing", "processing", "processing"],
      ["payment_intent.amount_capturable_updated", "requires_capture", "processing"],
      ["payment_intent.payment_failed", "requires_payment_method", "pending"],
      ["payment_intent.partially_funded", "requires_payment_method", "pending"],
      ["payment_intent.canceled", "canceled", "canceled"],
      ["payment_intent.succeeded", "succeeded", "succeeded"],
    ] as const;
    for (const [type, providerStatus, status] of cases) {
      const raw = intent({ status: "succeeded" });
      delete (raw as { status?: string }).status;
      const target = ok(intentTarget(raw, type));
      expect({ type, providerStatus: target.providerStatus, status: target.status }).toEqual({
        type,
        providerStatus,
        status,
      });
    }
    // The object's own status wins over the event type.
    expect(ok(intentTarget(intent({ status: "processing" }), "payment_intent.succeeded")).status).toBe(
      "processing",
    );
  });

  describe("amount: what was captured (amount_received), not what was asked", () => {
    it("a partial capture records amount_received as captured and amount as requested", () => {
      const target = ok(
        intentTarget(intent({ status: "succeeded", amount: 59_900, amount_received: 40_000 })),
      );
      expect(target.requestedMinor).toBe(59_900n);
      expect(target.capturedMinor).toBe(40_000n);
    });

    it("an old snapshot without amount_received captured the whole amount", () => {
      const target = ok(intentTarget(intent({ status: "succeeded", amount: 59_900, amount_received: null })));
      expect(target.capturedMinor).toBe(59_900n);
    });

    it("an open intent's amount_received (0) is not a captured amount", () => {
      for (const status of ["requires_capture", "processing", "requires_payment_method"]) {
        const target = ok(intentTarget(intent({ status, amount: 59_900, amount_received: 0 })));
        expect(target.capturedMinor).toBeNull();
        expect(target.requestedMinor).toBe(59_900n);
      }
    });

    it("converts Stripe's units to ISO minor units (zero-decimal JPY, three-decimal KWD)", () => {
      const jpy = ok(
        intentTarget(intent({ status: "succeeded", amount: 5_000, amount_received: 5_000, currency: "jpy" })),
      );
      expect(jpy).toMatchObject({ currency: "JPY", requestedMinor: 5_000n, capturedMinor: 5_000n });
      const kwd = ok(
        intentTarget(intent({ status: "succeeded", amount: 1_500, amount_received: 1_500, currency: "kwd" })),
      );
      expect(kwd).toMatchObject({ currency: "KWD", requestedMinor: 1_500n, capturedMinor: 1_500n });
    });

    it("refuses an unknown currency", () => {
      expect(intentTarget(intent({ status: "succeeded", currency: "xyz" })).ok).toBe(false);
    });
  });

  describe("last_payment_error: kept only while the payment is open", () => {
    const OPEN = [
      "requires_payment_method",
      "requires_confirmation",
      "requires_action",
      "processing",
      "requires_capture",
    ];

    it.each(OPEN)("%s keeps the declined attempt's message", (status) => {
      expect(ok(intentTarget(intent({ status, last_payment_error: DECLINED }))).lastError).toBe(
        "Your card was declined.",
      );
    });

    it("falls back to the error code when there is no message, and truncates at 500", () => {
      expect(
        ok(
          intentTarget(
            intent({ status: "requires_payment_method", last_payment_error: { code: "expired_card" } }),
          ),
        ).lastError,
      ).toBe("expired_card");
      const long = ok(
        intentTarget(
          intent({ status: "requires_payment_method", last_payment_error: { message: "x".repeat(900) } }),
        ),
      );
      expect(long.lastError).toHaveLength(500);
    });

    it("no error while none was reported", () => {
      expect(
        ok(intentTarget(intent({ status: "requires_payment_method", last_payment_error: null }))).lastError,
      ).toBeNull();
    });

    it("succeeded drops the earlier decline", () => {
      expect(
        ok(intentTarget(intent({ status: "succeeded", last_payment_error: DECLINED }))).lastError,
      ).toBeNull();
    });

    it("canceled shows its cancellation reason instead of the decline", () => {
      expect(
        ok(
          intentTarget(
            intent({ status: "canceled", last_payment_error: DECLINED, cancellation_reason: "abandoned" }),
          ),
        ).lastError,
      ).toBe("Canceled: abandoned");
      expect(
        ok(
          intentTarget(
            intent({ status: "canceled", last_payment_error: DECLINED, cancellation_reason: null }),
          ),
        ).lastError,
      ).toBeNull();
    });
  });

  it("reads customer, plan, method and description for recording a payment not seen yet", () => {
    const target = ok(
      intentTarget(
        intent({
          status: "succeeded",
          description: "Premium, one month",
          payment_method_types: ["card"],
          metadata: { paydesk_customer: "  anna@example.com ", paydesk_plan: "premium", other: "x" },
        }),
      ),
    );
    expect(target).toMatchObject({
      customerRef: "anna@example.com",
      planCode: "premium",
      method: "card",
      description: "Premium, one month",
      metadata: {
        stripe_payment_intent: "pi_target_test",
        paydesk_customer: "anna@example.com",
        paydesk_plan: "premium",
      },
    });
    expect(target.metadata).not.toHaveProperty("other");
    const other = ok(
      intentTarget(intent({ status: "processing", payment_method_types: ["sepa_debit"], metadata: {} })),
    );
    expect(other).toMatchObject({ method: "other", customerRef: null, planCode: null });
  });
});

describe("refundTarget: Stripe refund statuses (docs/providers.md, Refunds)", () => {
  const TABLE = [
    { stripe: "pending", target: "pending" },
    { stripe: "requires_action", target: "pending" },
    { stripe: "succeeded", target: "succeeded" },
    { stripe: "failed", target: "failed" },
    { stripe: "canceled", target: "failed" },
  ] as const;

  it.each(TABLE)("$stripe → $target", ({ stripe, target }) => {
    const refund = refundSchema.parse(
      refundObject({ id: "re_t1", payment_intent: "pi_target_test", status: stripe, amount: 10_000 }),
    );
    const value = ok(refundTarget(refund));
    expect(value).toMatchObject({
      providerRefundId: "re_t1",
      status: target,
      providerStatus: stripe,
      amountMinor: 10_000n,
      currency: "RUB",
    });
    expect(refundTargetStatus(stripe)).toBe(target);
  });

  it("a refund object without a status is pending", () => {
    const refund = refundSchema.parse(refundObject({ id: "re_t2", payment_intent: "pi_x", status: null }));
    expect(ok(refundTarget(refund))).toMatchObject({ status: "pending", providerStatus: "pending" });
  });

  it("reads the Paydesk refund id back from metadata (only a uuid), and the access choice", () => {
    const id = "0b6b3a52-3a6c-4f0e-9d3b-0d9c2f6f1a11";
    const ours = ok(
      refundTarget(
        refundSchema.parse(
          refundObject({
            id: "re_t3",
            payment_intent: "pi_x",
            metadata: {
              [STRIPE_REFUND_METADATA.refundId]: id,
              [STRIPE_REFUND_METADATA.revokeAccess]: "true",
            },
          }),
        ),
      ),
    );
    expect(ours).toMatchObject({ paydeskRefundId: id, revokeAccess: true });
    const forged = ok(
      refundTarget(
        refundSchema.parse(
          refundObject({
            id: "re_t4",
            payment_intent: "pi_x",
            metadata: { paydesk_refund: "'; drop table refunds" },
          }),
        ),
      ),
    );
    expect(forged).toMatchObject({ paydeskRefundId: null, revokeAccess: false });
  });

  it("keeps failure_reason and Stripe's refund reason", () => {
    const value = ok(
      refundTarget(
        refundSchema.parse(
          refundObject({
            id: "re_t5",
            payment_intent: "pi_x",
            status: "failed",
            failure_reason: "expired_or_canceled_card",
            reason: "requested_by_customer",
          }),
        ),
      ),
    );
    expect(value).toMatchObject({
      status: "failed",
      failureReason: "expired_or_canceled_card",
      description: "Refunded in Stripe (requested_by_customer)",
    });
  });
});

describe("disputeTarget: inquiry vs chargeback, open vs closed (docs/providers.md, Disputes)", () => {
  const TABLE = [
    { stripe: "warning_needs_response", kind: "inquiry", status: "open" },
    { stripe: "warning_under_review", kind: "inquiry", status: "open" },
    { stripe: "warning_closed", kind: "inquiry", status: "closed" },
    { stripe: "prevented", kind: "chargeback", status: "closed" },
    { stripe: "needs_response", kind: "chargeback", status: "open" },
    { stripe: "under_review", kind: "chargeback", status: "open" },
    { stripe: "won", kind: "chargeback", status: "won" },
    { stripe: "lost", kind: "chargeback", status: "lost" },
  ] as const;

  const dispute = (overrides: Record<string, unknown>) =>
    disputeSchema.parse(disputeObject({ payment_intent: "pi_target_test", amount: 59_900, ...overrides }));

  it.each(TABLE)("$stripe → $kind / $status", ({ stripe, kind, status }) => {
    const value = ok(disputeTarget(dispute({ status: stripe, balance_transactions: [] })));
    expect(value).toMatchObject({
      kind,
      status,
      providerStatus: stripe,
      amountMinor: 59_900n,
      currency: "RUB",
    });
    expect(value.fundsWithdrawn).toBe(false);
    expect(value.fundsReinstated).toBe(false);
  });

  it("a dispute without a status is an open chargeback (needs_response)", () => {
    expect(ok(disputeTarget(dispute({ status: null })))).toMatchObject({
      kind: "chargeback",
      status: "open",
      providerStatus: "needs_response",
    });
  });

  it("funds flags: from the event type, or from the dispute's balance transactions", () => {
    const plain = dispute({ status: "needs_response", balance_transactions: [] });
    expect(ok(disputeTarget(plain, "charge.dispute.funds_withdrawn"))).toMatchObject({
      fundsWithdrawn: true,
      fundsReinstated: false,
    });
    expect(ok(disputeTarget(plain, "charge.dispute.funds_reinstated"))).toMatchObject({
      fundsReinstated: true,
    });
    expect(ok(disputeTarget(plain, "charge.dispute.updated"))).toMatchObject({
      fundsWithdrawn: false,
      fundsReinstated: false,
    });
    const withdrawn = dispute({ status: "under_review", balance_transactions: [{ id: "txn_1" }] });
    expect(ok(disputeTarget(withdrawn))).toMatchObject({ fundsWithdrawn: true, fundsReinstated: false });
    const back = dispute({ status: "won", balance_transactions: [{ id: "txn_1" }, { id: "txn_2" }] });
    expect(ok(disputeTarget(back))).toMatchObject({
      status: "won",
      fundsWithdrawn: true,
      fundsReinstated: true,
    });
  });

  it("keeps the reason", () => {
    expect(ok(disputeTarget(dispute({ status: "needs_response", reason: "fraudulent" }))).reason).toBe(
      "fraudulent",
    );
  });
});

describe("stripeState: an API fetch of an intent with its refunds and disputes", () => {
  it("carries all three, observed at the fetch time", () => {
    const at = new Date("2026-02-01T10:00:00Z");
    const state = ok(
      stripeState(
        intent({ status: "succeeded" }),
        [refundSchema.parse(refundObject({ id: "re_s1", payment_intent: "pi_target_test", amount: 100 }))],
        [disputeSchema.parse(disputeObject({ payment_intent: "pi_target_test", status: "lost" }))],
        at,
        "Sync",
      ),
    );
    expect(state).toMatchObject({
      provider: "stripe",
      providerPaymentId: "pi_target_test",
      observedAt: at,
      source: "Sync",
    });
    expect(state.payment?.status).toBe("succeeded");
    expect(state.refunds.map((r) => r.providerRefundId)).toEqual(["re_s1"]);
    expect(state.disputes.map((d) => d.status)).toEqual(["lost"]);
  });

  it("fails as a whole when one object is unreadable", () => {
    const bad = stripeState(
      intent({ status: "succeeded" }),
      [refundSchema.parse(refundObject({ id: "re_s2", payment_intent: "pi_target_test", currency: "zzz" }))],
      [],
      new Date(),
      "Sync",
    );
    expect(bad.ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------

function ykPayment(overrides: Partial<YooKassaPayment> = {}): YooKassaPayment {
  return {
    id: "2d9a0000-000f-5000-9000-1b68e7b15f3f",
    status: "succeeded",
    paid: true,
    amount: { minor: 59_900n, currency: "RUB", value: "599.00" },
    description: "Premium",
    metadata: { paydesk_customer: "anna@example.com", paydesk_plan: "premium" },
    methodType: "bank_card",
    cancellation: null,
    test: true,
    incomeAmount: null,
    capturedAt: null,
    ...overrides,
  };
}

describe("yookassaPaymentTarget: every YooKassa payment status of the table", () => {
  const TABLE = [
    { yookassa: "pending", paydesk: "pending" },
    { yookassa: "waiting_for_capture", paydesk: "processing" },
    { yookassa: "succeeded", paydesk: "succeeded" },
    { yookassa: "canceled", paydesk: "canceled" },
  ] as const;

  it.each(TABLE)("$yookassa → $paydesk", ({ yookassa, paydesk }) => {
    const target = yookassaPaymentTarget(ykPayment({ status: yookassa }));
    expect(target).toMatchObject({
      status: paydesk,
      providerStatus: yookassa,
      requestedMinor: 59_900n,
      currency: "RUB",
      capturedMinor: paydesk === "succeeded" ? 59_900n : null,
      customerRef: "anna@example.com",
      planCode: "premium",
      method: "card",
    });
    expect(target.lastError).toBeNull();
  });

  it("canceled keeps who canceled and why; an open payment shows no error", () => {
    expect(
      yookassaPaymentTarget(
        ykPayment({ status: "canceled", cancellation: { party: "merchant", reason: "expired_on_capture" } }),
      ).lastError,
    ).toBe("Canceled by merchant: expired_on_capture");
    expect(
      yookassaPaymentTarget(
        ykPayment({ status: "pending", cancellation: { party: "merchant", reason: "expired_on_capture" } }),
      ).lastError,
    ).toBeNull();
  });

  it("a partial capture: the succeeded payment's amount is what was captured", () => {
    const target = yookassaPaymentTarget(
      ykPayment({ status: "succeeded", amount: { minor: 40_000n, currency: "RUB", value: "400.00" } }),
    );
    expect(target).toMatchObject({ requestedMinor: 40_000n, capturedMinor: 40_000n });
  });

  it("method: bank_card is a card, another type is other, none is unknown", () => {
    expect(yookassaPaymentTarget(ykPayment({ methodType: "yoo_money" })).method).toBe("other");
    expect(yookassaPaymentTarget(ykPayment({ methodType: null })).method).toBeNull();
  });

  it("keeps bounded metadata with where it came from", () => {
    const target = yookassaPaymentTarget(
      ykPayment({ metadata: { paydesk_customer: "anna@example.com", big: "x".repeat(600) } }),
    );
    expect(target.metadata).toMatchObject({
      paydesk_customer: "anna@example.com",
      yookassa: { methodType: "bank_card", test: true },
    });
    expect(target.metadata).not.toHaveProperty("big");
  });
});

describe("yookassaRefundTarget: YooKassa refund statuses", () => {
  const refund = (status: YooKassaRefund["status"]): YooKassaRefund => ({
    id: "2d9a1111-0015-5000-8000-1b68e7b15f3f",
    paymentId: "2d9a0000-000f-5000-9000-1b68e7b15f3f",
    status,
    amount: { minor: 10_000n, currency: "RUB", value: "100.00" },
    description: "Customer asked",
    cancellation: status === "canceled" ? { party: "yoo_money", reason: "rejected_by_payee" } : null,
  });

  it.each([
    ["pending", "pending"],
    ["succeeded", "succeeded"],
    ["canceled", "failed"],
  ] as const)("%s → %s", (yk, target) => {
    expect(yookassaRefundTarget(refund(yk))).toMatchObject({
      providerRefundId: "2d9a1111-0015-5000-8000-1b68e7b15f3f",
      status: target,
      providerStatus: yk,
      amountMinor: 10_000n,
      currency: "RUB",
      // YooKassa keeps no metadata of Paydesk's on a refund: matched by id or by key only.
      paydeskRefundId: null,
      revokeAccess: false,
      description: "Refunded in YooKassa: Customer asked",
    });
  });

  it("yookassaState: no disputes at YooKassa; refunds listed", () => {
    const at = new Date("2026-02-01T10:00:00Z");
    const state = yookassaState(ykPayment(), [refund("succeeded")], at, "Sync");
    expect(state).toMatchObject({ provider: "yookassa", observedAt: at, disputes: [] });
    expect(state.refunds).toHaveLength(1);
    expect(state.payment?.status).toBe("succeeded");
  });
});
