import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  formatMinor,
  formatMoney,
  isKnownCurrency,
  MAX_AMOUNT_MINOR,
  parseAmount,
} from "@/lib/money";

function minorOf(input: string, currency: string): bigint {
  const r = parseAmount(input, currency);
  if (!r.ok) throw new Error(`expected "${input}" ${currency} to parse, got: ${r.error}`);
  return r.minor;
}

function errorOf(input: string, currency: string): string {
  const r = parseAmount(input, currency);
  if (r.ok) throw new Error(`expected "${input}" ${currency} to be refused, got ${r.minor}`);
  return r.error;
}

describe("currencyExponent", () => {
  it.each([
    ["RUB", 2],
    ["USD", 2],
    ["EUR", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["KWD", 3],
    ["BHD", 3],
    ["CLF", 4],
  ])("%s has %i decimals", (code, digits) => {
    expect(currencyExponent(code)).toBe(digits);
    expect(isKnownCurrency(code)).toBe(true);
  });

  it.each(["XXY", "rub", "RU", "RUBB", "", "12A", " RUB", "XAU", "XDR", "XXX", "XTS"])(
    "refuses %j",
    (code) => {
      expect(currencyExponent(code)).toBeNull();
      expect(isKnownCurrency(code)).toBe(false);
    },
  );
});

describe("parseAmount", () => {
  it.each([
    ["599.00", "RUB", 59_900n],
    ["599", "RUB", 59_900n],
    ["599.5", "RUB", 59_950n],
    ["0.01", "RUB", 1n],
    ["0", "RUB", 0n],
    [" 12 ", "RUB", 1_200n],
    ["007.10", "USD", 710n],
    ["100", "JPY", 100n],
    ["1.234", "KWD", 1_234n],
    ["1.2", "KWD", 1_200n],
    ["1", "KWD", 1_000n],
  ])("%j %s → %s", (input, currency, minor) => {
    expect(parseAmount(input, currency)).toEqual({ ok: true, minor });
  });

  it.each([
    ["12.345", "RUB", /at most 2 decimal places/],
    ["100.5", "JPY", /no minor units/],
    ["100.0", "JPY", /no minor units/],
    ["1.2345", "KWD", /at most 3 decimal places/],
    ["1e3", "RUB", /not a decimal amount/],
    ["-5", "RUB", /negative/],
    ["NaN", "RUB", /not a decimal amount/],
    ["Infinity", "RUB", /not a decimal amount/],
    ["", "RUB", /Enter an amount/],
    ["   ", "RUB", /Enter an amount/],
    ["+5", "RUB", /not a decimal amount/],
    [".5", "RUB", /not a decimal amount/],
    ["5.", "RUB", /not a decimal amount/],
    ["1,5", "RUB", /not a decimal amount/],
    ["1 000", "RUB", /not a decimal amount/],
    ["1_000", "RUB", /not a decimal amount/],
    ["0x10", "RUB", /not a decimal amount/],
    ["١٢", "RUB", /not a decimal amount/],
    ["10", "XXY", /Unknown currency/],
    ["10", "rub", /Unknown currency/],
  ])("%j %s is refused", (input, currency, message) => {
    expect(errorOf(input, currency)).toMatch(message);
  });

  it("accepts exactly MAX_AMOUNT_MINOR and refuses anything above it", () => {
    expect(MAX_AMOUNT_MINOR).toBe(10n ** 15n);
    expect(minorOf("10000000000000.00", "RUB")).toBe(MAX_AMOUNT_MINOR);
    expect(errorOf("10000000000000.01", "RUB")).toMatch(/too large/);
    expect(minorOf("1000000000000000", "JPY")).toBe(MAX_AMOUNT_MINOR);
    expect(errorOf("1000000000000001", "JPY")).toMatch(/too large/);
    expect(errorOf("99999999999999999999999999", "USD")).toMatch(/too large/);
  });

  it("keeps digits exact where a float would not", () => {
    // Decimal strings go to bigint digit by digit: no 0.1 + 0.2 style rounding anywhere.
    expect(minorOf("0.30", "USD")).toBe(30n);
    expect(minorOf("1.10", "USD")).toBe(110n);
    expect(minorOf("9999999999999.99", "USD")).toBe(999_999_999_999_999n);
    expect(minorOf("999999999999.999", "KWD")).toBe(999_999_999_999_999n);
  });
});

describe("formatMinor", () => {
  it.each([
    [59_900n, "RUB", "599.00"],
    [1n, "RUB", "0.01"],
    [0n, "RUB", "0.00"],
    [100n, "JPY", "100"],
    [0n, "JPY", "0"],
    [1_234n, "KWD", "1.234"],
    [5n, "KWD", "0.005"],
    [-5n, "RUB", "-0.05"],
    [MAX_AMOUNT_MINOR, "RUB", "10000000000000.00"],
    [9_007_199_254_740_993n, "USD", "90071992547409.93"],
  ])("%s %s → %s", (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });
});

describe("formatMoney", () => {
  // Intl separates the code/symbol with a (narrow) no-break space; compare with plain spaces.
  const fm = (...args: Parameters<typeof formatMoney>) => formatMoney(...args).replace(/\s/g, " ");

  it("formats with the currency's decimals and the locale's conventions", () => {
    expect(fm(59_900n, "RUB", "en-US")).toBe("RUB 599.00");
    expect(fm(59_900n, "RUB", "ru-RU")).toBe("599,00 ₽");
    expect(fm(59_900n, "EUR", "de-DE")).toBe("599,00 €");
    expect(fm(100n, "JPY", "en-US")).toBe("¥100");
    expect(fm(1_234n, "KWD", "en-US")).toBe("KWD 1.234");
    expect(fm(1n, "USD")).toBe("$0.01");
    expect(fm(0n, "RUB", "ru-RU")).toBe("0,00 ₽");
  });

  it("stays exact beyond the range of a double", () => {
    expect(fm(12_345_678_901_234_567n, "USD", "en-US")).toBe("$123,456,789,012,345.67");
    expect(fm(MAX_AMOUNT_MINOR - 1n, "USD", "en-US")).toBe("$9,999,999,999,999.99");
  });
});

describe("money properties", () => {
  const CURRENCIES = ["RUB", "USD", "EUR", "JPY", "KWD", "BHD", "CLF"] as const;

  it("parseAmount(formatMinor(x, c), c) === x for every amount up to the maximum", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }), fc.constantFrom(...CURRENCIES), (x, c) => {
        expect(parseAmount(formatMinor(x, c), c)).toEqual({ ok: true, minor: x });
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary input, and what it accepts is in range", () => {
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.stringMatching(/^[\s\d.,eE+-]{0,24}$/),
      fc.bigInt({ min: 0n, max: 10n ** 20n }).map((n) => n.toString()),
    );
    const currency = fc.oneof(fc.constantFrom(...CURRENCIES), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(input, currency, (s, c) => {
        let result: ReturnType<typeof parseAmount> | undefined;
        expect(() => {
          result = parseAmount(s, c);
        }).not.toThrow();
        expect(result).toBeDefined();
        if (result?.ok) {
          expect(result.minor >= 0n).toBe(true);
          expect(result.minor <= MAX_AMOUNT_MINOR).toBe(true);
          // What parses formats back to the same number.
          expect(parseAmount(formatMinor(result.minor, c), c)).toEqual(result);
        } else {
          expect(result?.error.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
