import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PaymentStatus, paymentStatuses } from "@/db/schema/enums";
import {
  checkTransition,
  isTerminal,
  manualTargets,
  type TransitionCause,
} from "@/lib/payments/state-machine";

const CAUSES: readonly TransitionCause[] = ["manual", "provider", "refund", "reversal"];
const AMOUNTS: readonly bigint[] = [0n, 59_900n];
const BY_HAND: TransitionCause[] = ["manual", "provider"];
/** Causes that move the payment itself; refunds and their reversals are their own causes. */
const SAME_STATUS_NOOP: ReadonlySet<TransitionCause> = new Set(["manual", "provider"]);

/**
 * ARCHITECTURE.md §1 "Payment status machine", row by row, written out independently of the
 * implementation: [from, to, the causes that may make the move, the amounts it applies to].
 * Same-status moves (a no-op for manual/provider changes) are handled separately below.
 */
const TABLE: ReadonlyArray<[PaymentStatus, PaymentStatus, TransitionCause[], "any" | "zero"]> = [
  ["pending", "processing", BY_HAND, "any"],
  ["pending", "succeeded", BY_HAND, "any"],
  ["pending", "failed", BY_HAND, "any"],
  ["pending", "canceled", BY_HAND, "any"],
  ["processing", "succeeded", BY_HAND, "any"],
  ["processing", "failed", BY_HAND, "any"],
  ["processing", "canceled", BY_HAND, "any"],
  ["succeeded", "partially_refunded", ["refund"], "any"],
  ["succeeded", "refunded", ["refund"], "any"],
  ["partially_refunded", "partially_refunded", ["refund"], "any"],
  ["partially_refunded", "refunded", ["refund"], "any"],
  // A counted refund that failed at the provider afterwards is reversed.
  ["refunded", "succeeded", ["reversal"], "any"],
  ["refunded", "partially_refunded", ["reversal"], "any"],
  ["partially_refunded", "succeeded", ["reversal"], "any"],
  ["partially_refunded", "partially_refunded", ["reversal"], "any"],
  // Only a provider's own state: a settling bank debit failed, the intent waits for payment again.
  ["processing", "pending", ["provider"], "any"],
  // Voiding a trial.
  ["succeeded", "canceled", BY_HAND, "zero"],
];

type Expected = { ok: true; noop: boolean } | { ok: false };

function expected(from: PaymentStatus, to: PaymentStatus, cause: TransitionCause, amount: bigint): Expected {
  if (SAME_STATUS_NOOP.has(cause) && from === to) return { ok: true, noop: true };
  const row = TABLE.find(
    ([f, t, causes, amounts]) =>
      f === from && t === to && causes.includes(cause) && (amounts === "any" || amount === 0n),
  );
  return row ? { ok: true, noop: false } : { ok: false };
}

const CASES = paymentStatuses.flatMap((from) =>
  paymentStatuses.flatMap((to) =>
    CAUSES.flatMap((cause) =>
      AMOUNTS.map((amount) => ({ from, to, cause, amount, want: expected(from, to, cause, amount) })),
    ),
  ),
);

describe("checkTransition: every (from, to, cause, amount)", () => {
  it("covers 7 × 7 × 4 × 2 cases, with the expected number of allowed moves", () => {
    expect(CASES).toHaveLength(392);
    const allowed = CASES.filter((c) => c.want.ok && !(c.want as { noop: boolean }).noop);
    // manual+provider: 7 moves × 2 causes × 2 amounts + void (2 causes × zero only) = 30;
    // provider only (processing → pending): 1 × 2 = 2; refund: 4 × 2 = 8; reversal: 4 × 2 = 8.
    expect(allowed).toHaveLength(48);
    const noops = CASES.filter((c) => c.want.ok && (c.want as { noop: boolean }).noop);
    expect(noops).toHaveLength(7 * 2 * 2);
  });

  it.each(CASES)("$from → $to by $cause (amount $amount)", ({ from, to, cause, amount, want }) => {
    const got = checkTransition(from, to, cause, amount);
    expect(got.ok).toBe(want.ok);
    if (want.ok && got.ok) {
      expect(got.noop).toBe(want.noop);
    } else if (!got.ok) {
      expect(typeof got.reason).toBe("string");
      expect(got.reason.trim().length).toBeGreaterThan(0);
    }
  });

  it("refuses a refund into a non-refund status and the refunded states without a refund", () => {
    expect(checkTransition("succeeded", "succeeded", "refund", 100n).ok).toBe(false);
    expect(checkTransition("succeeded", "refunded", "manual", 100n).ok).toBe(false);
    expect(checkTransition("succeeded", "partially_refunded", "provider", 100n).ok).toBe(false);
    expect(checkTransition("pending", "refunded", "refund", 100n).ok).toBe(false);
    expect(checkTransition("refunded", "refunded", "refund", 100n).ok).toBe(false);
  });

  it("lets only a provider return a processing payment to pending", () => {
    expect(checkTransition("processing", "pending", "provider", 100n)).toEqual({ ok: true, noop: false });
    expect(checkTransition("processing", "pending", "manual", 100n).ok).toBe(false);
    expect(checkTransition("succeeded", "pending", "provider", 100n).ok).toBe(false);
    expect(checkTransition("canceled", "pending", "provider", 100n).ok).toBe(false);
  });

  it("a reversal leaves only the refunded states, never into them or anywhere else", () => {
    expect(checkTransition("refunded", "succeeded", "reversal", 100n)).toEqual({ ok: true, noop: false });
    expect(checkTransition("refunded", "partially_refunded", "reversal", 100n).ok).toBe(true);
    expect(checkTransition("partially_refunded", "succeeded", "reversal", 100n).ok).toBe(true);
    expect(checkTransition("succeeded", "succeeded", "reversal", 100n).ok).toBe(false);
    expect(checkTransition("succeeded", "refunded", "reversal", 100n).ok).toBe(false);
    expect(checkTransition("refunded", "refunded", "reversal", 100n).ok).toBe(false);
    expect(checkTransition("refunded", "pending", "reversal", 100n).ok).toBe(false);
    expect(checkTransition("failed", "succeeded", "reversal", 100n).ok).toBe(false);
    // Nothing but a reversal leaves a refunded payment.
    for (const cause of ["manual", "provider", "refund"] as const)
      expect(checkTransition("refunded", "succeeded", cause, 100n).ok).toBe(false);
  });

  it("lets only a zero-amount succeeded payment be voided", () => {
    expect(checkTransition("succeeded", "canceled", "manual", 0n)).toEqual({ ok: true, noop: false });
    expect(checkTransition("succeeded", "canceled", "manual", 1n).ok).toBe(false);
    expect(checkTransition("partially_refunded", "canceled", "manual", 0n).ok).toBe(false);
  });

  it("names the terminal statuses", () => {
    expect(paymentStatuses.filter(isTerminal)).toEqual(["failed", "canceled", "refunded"]);
  });
});

describe("manualTargets", () => {
  const manual = (status: PaymentStatus, amountMinor: bigint) =>
    manualTargets({ status, amountMinor, provider: "manual" });
  const TARGETS: ReadonlyArray<[PaymentStatus, bigint, PaymentStatus[]]> = [
    ["pending", 100n, ["processing", "succeeded", "failed", "canceled"]],
    ["pending", 0n, ["processing", "succeeded", "failed", "canceled"]],
    ["processing", 100n, ["succeeded", "failed", "canceled"]],
    ["processing", 0n, ["succeeded", "failed", "canceled"]],
    ["succeeded", 100n, []],
    ["succeeded", 0n, ["canceled"]],
    ["partially_refunded", 100n, []],
    ["partially_refunded", 0n, []],
    ["failed", 100n, []],
    ["failed", 0n, []],
    ["canceled", 100n, []],
    ["canceled", 0n, []],
    ["refunded", 100n, []],
    ["refunded", 0n, []],
  ];
  it.each(TARGETS)("from %s (amount %s)", (from, amount, targets) => {
    expect(manual(from, amount)).toEqual(targets);
  });

  it.each(
    ["stripe", "yookassa"].flatMap((provider) =>
      paymentStatuses.flatMap((status) => AMOUNTS.map((amount) => [provider, status, amount] as const)),
    ),
  )(
    "a %s payment (%s, amount %s) offers nothing by hand: it follows its provider",
    (provider, status, amount) => {
      expect(manualTargets({ status, amountMinor: amount, provider })).toEqual([]);
    },
  );
});

describe("state machine properties", () => {
  const status = fc.constantFrom(...paymentStatuses);
  const cause = fc.constantFrom(...CAUSES);

  it("never leaves a terminal state (but a refund reversed out of refunded), and every refusal has a reason", () => {
    fc.assert(
      fc.property(
        status,
        fc.constantFrom(0n, 1n, 59_900n),
        fc.array(fc.record({ to: status, cause }), { maxLength: 40 }),
        (start, amount, steps) => {
          let current = start;
          let enteredTerminal = isTerminal(start) ? start : null;
          for (const { to, cause } of steps) {
            const check = checkTransition(current, to, cause, amount);
            if (!check.ok) {
              expect(typeof check.reason).toBe("string");
              expect(check.reason.trim().length).toBeGreaterThan(0);
              continue;
            }
            // A no-op is exactly a repeat of the current status by hand or provider.
            expect(check.noop).toBe(to === current && SAME_STATUS_NOOP.has(cause));
            // Only a failed refund (reversal) leaves a terminal state, and only refunded.
            if (isTerminal(current) && to !== current) {
              expect(cause).toBe("reversal");
              expect(current).toBe("refunded");
            }
            if (cause === "reversal") {
              expect(["succeeded", "partially_refunded"]).toContain(to);
              expect(["refunded", "partially_refunded"]).toContain(current);
            }
            if (to === "partially_refunded" || to === "refunded") {
              if (!check.noop && current !== to) expect(["refund", "reversal"]).toContain(cause);
              if (to === "refunded") expect(cause === "refund" || check.noop).toBe(true);
            }
            if (enteredTerminal && cause !== "reversal") expect(to).toBe(enteredTerminal);
            current = to;
            enteredTerminal = isTerminal(current) ? current : null;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
