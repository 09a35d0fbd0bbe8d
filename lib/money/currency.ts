import { CURRENCY_DIGITS } from "./currency-digits";

// ISO 4217 codes that are not money anyone pays in (precious metals, units of account,
// the testing and "no currency" codes): the package lists them with 0 digits, so refuse them here.
const NOT_PAYMENT_CURRENCIES = new Set([
  "XAU",
  "XAG",
  "XPD",
  "XPT",
  "XDR",
  "XXX",
  "XTS",
  "XBA",
  "XBB",
  "XBC",
  "XBD",
  "XSU",
  "XUA",
]);

/** Minor-unit exponent per ISO 4217 (JPY 0, RUB 2, KWD 3); null when the code is unknown. */
export function currencyExponent(code: string): number | null {
  if (!/^[A-Z]{3}$/.test(code) || NOT_PAYMENT_CURRENCIES.has(code)) return null;
  return Object.hasOwn(CURRENCY_DIGITS, code) ? (CURRENCY_DIGITS[code] ?? null) : null;
}

export function isKnownCurrency(code: string): boolean {
  return currencyExponent(code) !== null;
}
