import type { NextConfig } from "next";
import { API_CSP, STATIC_SECURITY_HEADERS } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  // PGlite ships a WASM Postgres and its data files; bundling them breaks the loader.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "argon2",
    "proper-lockfile",
    // rate-limiter-flexible imports drizzle-orm at run time by a computed name; both must
    // resolve from node_modules, as one copy.
    "rate-limiter-flexible",
    "drizzle-orm",
  ],
  poweredByHeader: false,
  // forbidden() gives pages a real 403 when a role may not see them.
  experimental: { authInterrupts: true },
  // Headers that never change, on every response (assets and the routes proxy.ts skips too).
  // The pages' Content-Security-Policy carries a per-request nonce and is set in proxy.ts;
  // the routes it skips (provider webhooks, /api/v1) answer JSON and get a policy that allows nothing.
  async headers() {
    return [
      { source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] },
      { source: "/api/webhooks/:path*", headers: [{ key: "Content-Security-Policy", value: API_CSP }] },
      { source: "/api/v1/:path*", headers: [{ key: "Content-Security-Policy", value: API_CSP }] },
    ];
  },
};

export default nextConfig;
