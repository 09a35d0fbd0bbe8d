import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };
const shared = {
  include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

// Every test runs on embedded PGlite; with TEST_DATABASE_URL set, all of them run again on
// real PostgreSQL, where the race tests (skipped on single-connection PGlite) also run.
const projects = [
  { resolve: { alias }, test: { ...shared, name: "pglite", env: { PAYDESK_TEST_BACKEND: "pglite" } } },
];
if (process.env.TEST_DATABASE_URL) {
  projects.push({
    resolve: { alias },
    test: {
      ...shared,
      name: "postgres",
      env: { PAYDESK_TEST_BACKEND: "postgres" },
      globalSetup: ["tests/support/pg-global-setup.ts"],
    } as (typeof projects)[number]["test"],
  });
}

export default defineConfig({
  test: { projects, pool: "forks", maxWorkers: 2 },
});
