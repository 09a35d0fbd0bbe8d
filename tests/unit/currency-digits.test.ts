import cc from "currency-codes";
import { describe, expect, it } from "vitest";
import { currencyExponent } from "@/lib/money/currency";
import { CURRENCY_DIGITS } from "@/lib/money/currency-digits";

describe("the written-out ISO 4217 digits", () => {
  it("are exactly the currency-codes package's, code for code", () => {
    const fromPackage = Object.fromEntries(
      cc
        .codes()
        .map((code) => [code, Number(cc.code(code)?.digits)] as const)
        .filter(([, digits]) => Number.isInteger(digits)),
    );
    expect({ ...CURRENCY_DIGITS }).toEqual(fromPackage);
  });

  it("give the exponents money is kept in", () => {
    expect(currencyExponent("RUB")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
    expect(currencyExponent("XAU")).toBeNull();
    expect(currencyExponent("ABC")).toBeNull();
    expect(currencyExponent("constructor")).toBeNull();
    expect(currencyExponent("rub")).toBeNull();
  });
});
