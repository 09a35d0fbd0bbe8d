import cc from "currency-codes";

/** Minor-unit exponent per ISO 4217 (JPY 0, RUB 2, KWD 3); null when the code is unknown. */
export function currencyExponent(code: string): number | null {
  if (!/^[A-Z]{3}$/.test(code)) return null;
  const entry = cc.code(code);
  if (!entry) return null;
  // Funds codes and precious metals have no minor unit concept ("N.A."): refuse them.
  const digits = Number(entry.digits);
  return Number.isInteger(digits) ? digits : null;
}

export function isKnownCurrency(code: string): boolean {
  return currencyExponent(code) !== null;
}
