import { currencyExponent } from "@/lib/money/currency";

// Stripe's own minor units differ from ISO 4217 for a few currencies (docs: "Supported
// currencies", zero-decimal and special cases): MGA is zero-decimal at Stripe (ISO: 2),
// ISK stays two-decimal at Stripe (ISO: 0, amounts always a multiple of 100).
const STRIPE_ZERO_DECIMAL = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);
const STRIPE_THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

function stripeExponent(currency: string): number {
  if (STRIPE_ZERO_DECIMAL.has(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

export type StripeAmount = { ok: true; minor: bigint; currency: string } | { ok: false; error: string };

/** A Stripe amount (an integer in Stripe's minor units, lower-case currency) as Paydesk money. */
export function fromStripeAmount(amount: unknown, currency: unknown): StripeAmount {
  const code = typeof currency === "string" ? currency.toUpperCase() : "";
  const iso = currencyExponent(code);
  if (iso === null) return { ok: false, error: `Unknown currency "${String(currency)}"` };
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 0) {
    return { ok: false, error: `Not an amount: ${String(amount)}` };
  }
  const shift = iso - stripeExponent(code);
  let minor = BigInt(amount);
  if (shift > 0) minor *= 10n ** BigInt(shift);
  if (shift < 0) {
    const unit = 10n ** BigInt(-shift);
    if (minor % unit !== 0n) return { ok: false, error: `${amount} is not a whole amount of ${code}` };
    minor /= unit;
  }
  return { ok: true, minor, currency: code };
}

/** Paydesk money (ISO minor units) as the integer Stripe's API expects for that currency. */
export function toStripeAmount(minor: bigint, currency: string): number {
  const iso = currencyExponent(currency) ?? 2;
  const shift = stripeExponent(currency) - iso;
  let amount = minor;
  if (shift > 0) amount *= 10n ** BigInt(shift);
  if (shift < 0) {
    const unit = 10n ** BigInt(-shift);
    if (amount % unit !== 0n)
      throw new RangeError(`${minor} minor units of ${currency} cannot be sent to Stripe`);
    amount /= unit;
  }
  return Number(amount);
}
