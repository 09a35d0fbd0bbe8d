import Stripe from "stripe";
import { ServiceError } from "@/lib/errors";

/** How long one request to Stripe may take before the SDK gives up on it (and maybe retries). */
export const DEFAULT_STRIPE_TIMEOUT_MS = 10_000;
/** The SDK's own retries on network errors, 409, 429 and 5xx (with backoff, same idempotency key). */
export const STRIPE_NETWORK_RETRIES = 2;

interface ClientKey {
  secretKey: string;
  apiBase: string;
  timeout: number;
}

// One client per configuration; re-read on every call so tests (and a restarted stand-in)
// can point the process elsewhere without a reload.
let cached: { key: ClientKey; client: Stripe } | null = null;

/** Host, port and protocol for the SDK from `STRIPE_API_BASE` (e.g. `http://127.0.0.1:12111`). */
export function apiBaseOptions(base: string): { host: string; port: number; protocol: "http" | "https" } {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ServiceError("provider_unavailable", `STRIPE_API_BASE is not a URL: "${base}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ServiceError("provider_unavailable", `STRIPE_API_BASE must be an http(s) URL, not "${base}"`);
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  const port = url.port ? Number(url.port) : protocol === "http" ? 80 : 443;
  // IPv6 literals come back bracketed from URL; the SDK hands `host` to node's http as a hostname.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { host, port, protocol };
}

function timeoutFromEnv(): number {
  const raw = Number.parseInt(process.env.STRIPE_TIMEOUT_MS ?? "", 10);
  return Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_STRIPE_TIMEOUT_MS;
}

/**
 * The Stripe API client, configured from `STRIPE_SECRET_KEY`, `STRIPE_API_BASE` (optional)
 * and `STRIPE_TIMEOUT_MS` (optional). Read lazily: the app runs without Stripe configured
 * until something actually needs Stripe's API.
 */
export function stripeClient(): Stripe {
  const secretKey = process.env.STRIPE_SECRET_KEY?.trim() ?? "";
  if (!secretKey) {
    throw new ServiceError(
      "provider_unavailable",
      "Stripe is not configured (STRIPE_SECRET_KEY is not set): nothing was sent to Stripe",
    );
  }
  const key: ClientKey = {
    secretKey,
    apiBase: process.env.STRIPE_API_BASE?.trim() ?? "",
    timeout: timeoutFromEnv(),
  };
  if (
    cached &&
    cached.key.secretKey === key.secretKey &&
    cached.key.apiBase === key.apiBase &&
    cached.key.timeout === key.timeout
  ) {
    return cached.client;
  }
  const client = new Stripe(key.secretKey, {
    ...(key.apiBase ? apiBaseOptions(key.apiBase) : {}),
    timeout: key.timeout,
    maxNetworkRetries: STRIPE_NETWORK_RETRIES,
    telemetry: false,
    appInfo: { name: "paydesk" },
  });
  cached = { key, client };
  return client;
}
