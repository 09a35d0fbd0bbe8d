import type { NextConfig } from "next";

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
};

export default nextConfig;
