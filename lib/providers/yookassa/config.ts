import { Webhook } from "standardwebhooks";
import { type AddressRange, inAddressRanges, parseAddress, parseAddressRange } from "@/lib/http/address";

/**
 * The addresses YooKassa sends notifications from, as published in its documentation
 * ("IP addresses for notifications"). Override with `YOOKASSA_ALLOWED_IPS`.
 */
export const YOOKASSA_NOTIFICATION_RANGES = [
  "185.71.76.0/27",
  "185.71.77.0/27",
  "77.75.153.0/25",
  "77.75.156.11/32",
  "77.75.156.35/32",
  "77.75.154.128/25",
  "2a02:5180::/32",
] as const;

export const DEFAULT_API_BASE = "https://api.yookassa.ru";
/** YooKassa waits about 10 s for an answer; the API re-fetch must fit well inside that. */
export const DEFAULT_API_TIMEOUT_MS = 5_000;

export interface YooKassaConfig {
  /** Basic-auth user and password of the API; null when not configured. */
  shopId: string | null;
  secretKey: string | null;
  allowedRanges: readonly AddressRange[];
  /** Verifier of the optional Standard Webhooks HMAC; null when no secret is set. */
  hmac: Webhook | null;
  apiBase: string;
  apiTimeoutMs: number;
}

/** The environment describes no usable receiver: a deployment error, not a sender's. */
export class YooKassaConfigError extends Error {
  override name = "YooKassaConfigError";
}

const env = (name: string): string | null => {
  const value = process.env[name]?.trim();
  return value ? value : null;
};

export function parseAllowedRanges(text: string): AddressRange[] {
  const entries = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new YooKassaConfigError("YOOKASSA_ALLOWED_IPS lists no address range");
  return entries.map((entry) => {
    const range = parseAddressRange(entry);
    if (!range)
      throw new YooKassaConfigError(`YOOKASSA_ALLOWED_IPS: "${entry}" is not an address or CIDR range`);
    return range;
  });
}

let cached: { key: string; config: YooKassaConfig } | null = null;

/** The YooKassa settings, read from the environment (re-read when it changes, as tests do). */
export function yookassaConfig(): YooKassaConfig {
  const raw = [
    "YOOKASSA_SHOP_ID",
    "YOOKASSA_SECRET_KEY",
    "YOOKASSA_ALLOWED_IPS",
    "YOOKASSA_WEBHOOK_SECRET",
    "YOOKASSA_API_BASE",
    "YOOKASSA_API_TIMEOUT_MS",
  ].map(env);
  const key = JSON.stringify(raw);
  if (cached?.key === key) return cached.config;
  const [shopId = null, secretKey = null, allowedIps, webhookSecret, apiBase, timeout] = raw;

  let hmac: Webhook | null = null;
  if (webhookSecret) {
    try {
      hmac = new Webhook(webhookSecret);
    } catch (err) {
      throw new YooKassaConfigError(
        `YOOKASSA_WEBHOOK_SECRET is not a Standard Webhooks secret ("whsec_" + base64): ${(err as Error).message}`,
      );
    }
  }
  const base = apiBase ?? DEFAULT_API_BASE;
  if (!URL.canParse(base)) throw new YooKassaConfigError(`YOOKASSA_API_BASE "${base}" is not a URL`);
  const timeoutMs = timeout ? Number.parseInt(timeout, 10) : DEFAULT_API_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new YooKassaConfigError("YOOKASSA_API_TIMEOUT_MS must be a positive number of milliseconds");
  }

  const config: YooKassaConfig = {
    shopId,
    secretKey,
    allowedRanges: parseAllowedRanges(allowedIps ?? YOOKASSA_NOTIFICATION_RANGES.join(",")),
    hmac,
    apiBase: base.replace(/\/+$/, ""),
    apiTimeoutMs: timeoutMs,
  };
  cached = { key, config };
  return config;
}

/** Whether a client address falls inside one of the allowed ranges (either IP family). */
export function isAllowedSource(ranges: readonly AddressRange[], text: string | null): boolean {
  return inAddressRanges(parseAddress(text), ranges);
}
