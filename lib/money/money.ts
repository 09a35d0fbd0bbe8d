import { currencyExponent } from "./currency";

/** Largest amount accepted from input, in minor units: keeps every value exact in JSON and JS. */
export const MAX_AMOUNT_MINOR = 10n ** 15n;

export type ParseResult = { ok: true; minor: bigint } | { ok: false; error: string };

/**
 * Parses a decimal string ("599", "599.00", "0.5") into minor units of the currency,
 * exactly: no floats, no exponents, no signs, no more decimals than the currency has.
 */
export function parseAmount(input: string, currency: string): ParseResult {
  const exponent = currencyExponent(currency);
  if (exponent === null) return { ok: false, error: `Unknown currency "${currency}"` };
  const text = input.trim();
  if (text === "") return { ok: false, error: "Enter an amount" };
  if (text.startsWith("-")) return { ok: false, error: "Amount cannot be negative" };
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return { ok: false, error: `"${input}" is not a decimal amount like 599.00` };
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > exponent) {
    return {
      ok: false,
      error:
        exponent === 0
          ? `${currency} has no minor units: enter a whole amount`
          : `${currency} allows at most ${exponent} decimal place${exponent === 1 ? "" : "s"}`,
    };
  }
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, "0") || "0");
  if (minor > MAX_AMOUNT_MINOR) return { ok: false, error: "Amount is too large" };
  return { ok: true, minor };
}

/** Minor units back to a plain decimal string ("59900" RUB → "599.00"), exact. */
export function formatMinor(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency) ?? 2;
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? "-" : ""}${whole}${exponent > 0 ? `.${fraction}` : ""}`;
}

/** Locale-aware display ("599,00 ₽"); formats the exact decimal string, never a float. */
export function formatMoney(minor: bigint, currency: string, locale = "en-US"): string {
  const decimal = formatMinor(minor, currency);
  const exponent = currencyExponent(currency) ?? 2;
  // Intl formats decimal strings exactly (Intl.NumberFormat v3), so no float is involved.
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(decimal as unknown as number);
}
