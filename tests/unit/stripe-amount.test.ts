import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromStripeAmount, toStripeAmount } from "@/lib/providers/stripe/amount";
import { apiBaseOptions } from "@/lib/providers/stripe/client";

describe("Stripe amounts ↔ Paydesk minor units", () => {
  it.each([
    [59_900, "rub", 59_900n, "RUB"],
    [1099, "usd", 1099n, "USD"],
    // Zero-decimal: the amount is already whole yen; nothing is multiplied.
    [1500, "jpy", 1500n, "JPY"],
    [50_000, "krw", 50_000n, "KRW"],
    // Three-decimal currencies are three-decimal at Stripe too.
    [5120, "kwd", 5120n, "KWD"],
    // ISK: ISO has no minor unit, Stripe keeps two decimals that are always 00.
    [500, "isk", 5n, "ISK"],
    // MGA: two decimals in ISO 4217, zero-decimal at Stripe.
    [5000, "mga", 500_000n, "MGA"],
  ])("%i %s → %s %s", (amount, currency, minor, code) => {
    expect(fromStripeAmount(amount, currency)).toEqual({ ok: true, minor, currency: code });
    expect(toStripeAmount(minor, code)).toBe(amount);
  });

  it.each([
    [510, "isk", /not a whole amount/],
    [100, "xyz", /Unknown currency/],
    [100, "xau", /Unknown currency/],
    [-1, "usd", /Not an amount/],
    [1.5, "usd", /Not an amount/],
    ["100", "usd", /Not an amount/],
    [2 ** 53, "usd", /Not an amount/],
  ])("%j %s is refused", (amount, currency, error) => {
    expect(fromStripeAmount(amount, currency)).toMatchObject({
      ok: false,
      error: expect.stringMatching(error),
    });
  });

  it("round-trips every safe amount of the ordinary currencies", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.constantFrom("usd", "eur", "rub", "jpy", "kwd", "mga"),
        (amount, currency) => {
          const parsed = fromStripeAmount(amount, currency);
          expect(parsed.ok).toBe(true);
          if (parsed.ok) expect(toStripeAmount(parsed.minor, parsed.currency)).toBe(amount);
        },
      ),
    );
  });

  it("refuses to send a fraction Stripe cannot take", () => {
    expect(() => toStripeAmount(12_345n, "MGA")).toThrow(RangeError);
  });
});

describe("STRIPE_API_BASE", () => {
  it.each([
    ["http://127.0.0.1:12111", { host: "127.0.0.1", port: 12111, protocol: "http" }],
    ["https://stripe-mock.internal", { host: "stripe-mock.internal", port: 443, protocol: "https" }],
    ["http://[::1]:8080/", { host: "::1", port: 8080, protocol: "http" }],
  ])("%s", (base, expected) => {
    expect(apiBaseOptions(base)).toEqual(expected);
  });

  it.each(["127.0.0.1:12111", "ftp://x", ""])("%j is refused with a clear error", (base) => {
    expect(() => apiBaseOptions(base)).toThrow(/STRIPE_API_BASE/);
  });
});

// The refund idempotency key is no longer derived from the request: it is
// `paydesk-refund-<refund id>`, written with the pending refund before Stripe is called
// (tests/integration/stripe-refund.test.ts checks what is sent).
