import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite ships a WASM Postgres and its data files; bundling them breaks the loader.
  serverExternalPackages: ["@electric-sql/pglite", "argon2", "proper-lockfile"],
  poweredByHeader: false,
};

export default nextConfig;
