/**
 * The protective headers. Pages get a Content-Security-Policy with a fresh nonce per request
 * (set by proxy.ts, which hands it to Next in the request's own CSP header: Next puts it on
 * every script it renders); the headers that never change are set for every response,
 * pages, assets and the routes proxy.ts skips alike, by next.config.ts.
 *
 * No imports at all: next.config.ts and proxy.ts read it.
 */

/** 128 random bits, base64: unguessable, and fresh for every page request. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export interface CspOptions {
  nonce: string;
  /** `next dev`: React's debugging needs eval, hot reload its websocket. */
  dev?: boolean;
  /** The page was requested over https: upgrade any stray http sub-request. */
  https?: boolean;
}

/**
 * The pages' policy. Scripts run only with this request's nonce, or when loaded by a script
 * that has it ('strict-dynamic': Next's chunks); no 'unsafe-inline' for scripts. Styles allow
 * inline: Radix, Recharts and sonner set `style` attributes and inject <style> elements at
 * run time, which a nonce cannot cover (and a nonce in style-src would switch
 * 'unsafe-inline' off); styles cannot run code.
 */
export function contentSecurityPolicy({ nonce, dev = false, https = false }: CspOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
  ];
  if (https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/**
 * What every response carries, whatever produced it. Routes that never render HTML (provider
 * webhooks, /api/v1, which proxy.ts skips) additionally get `API_CSP`.
 */
export const STATIC_SECURITY_HEADERS: ReadonlyArray<{ key: string; value: string }> = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  {
    key: "Permissions-Policy",
    // Only features Chromium knows: an unknown one (e.g. `bluetooth`) logs a warning on every page.
    value:
      "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), " +
      "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), browsing-topics=(), " +
      "interest-cohort=()",
  },
  // For browsers that predate frame-ancestors.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** JSON answers load nothing and may be framed by no one. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Two years, subdomains included: sent only on responses to https requests. */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/** The nonce of a policy built by `contentSecurityPolicy` (for the few scripts we render ourselves). */
export function nonceFromPolicy(policy: string | null): string | undefined {
  return policy ? /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1] : undefined;
}
