import ipaddr from "ipaddr.js";
import { Webhook } from "standardwebhooks";

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

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type CidrRange = [Address, number];

export interface YooKassaConfig {
  /** Basic-auth user and password of the API; null when not configured. */
  shopId: string | null;
  secretKey: string | null;
  allowedRanges: readonly CidrRange[];
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

export function parseAllowedRanges(text: string): CidrRange[] {
  const entries = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new YooKassaConfigError("YOOKASSA_ALLOWED_IPS lists no address range");
  return entries.map((entry) => {
    const cidr = entry.includes("/") ? entry : `${entry}/${entry.includes(":") ? 128 : 32}`;
    if (!ipaddr.isValidCIDR(cidr)) {
      throw new YooKassaConfigError(`YOOKASSA_ALLOWED_IPS: "${entry}" is not an address or CIDR range`);
    }
    return ipaddr.parseCIDR(cidr);
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

/**
 * An address as a proxy may write it: plain IPv4 or IPv6, IPv4-mapped IPv6
 * (`::ffff:185.71.76.1`), bracketed IPv6, either with a port. Null for anything else.
 * IPv4 must be four decimal parts: `ipaddr.js` would also read "3111213057" or octal forms.
 */
export function parseClientAddress(text: string | null): Address | null {
  if (!text) return null;
  let s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed?.[1]) s = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  // ipaddr.js reads "::a.b.c.d" (IPv4-compatible, deprecated) as if it were mapped; it is not.
  if (/^::(\d{1,3}\.){3}\d{1,3}$/.test(s)) return null;
  if (!ipaddr.IPv6.isValid(s)) return null;
  const v6 = ipaddr.IPv6.parse(s);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** Whether a client address falls inside one of the allowed ranges (either IP family). */
export function isAllowedSource(ranges: readonly CidrRange[], text: string | null): boolean {
  const address = parseClientAddress(text);
  if (!address) return false;
  return ranges.some(([network, bits]) => {
    if (address.kind() === network.kind()) return address.match(network, bits);
    // An IPv4 client against a range written as IPv4-mapped IPv6 (::ffff:a.b.c.d/n).
    if (address.kind() === "ipv4" && network.kind() === "ipv6") {
      return (address as ipaddr.IPv4).toIPv4MappedAddress().match(network, bits);
    }
    return false;
  });
}
