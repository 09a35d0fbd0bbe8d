/**
 * The e2e web server: the production build, served by Paydesk's own server (what `npm start`
 * runs: lib/http/start.ts, which knows each connection's address), on a fresh embedded database.
 * Every run starts from an empty data directory, which the app migrates and seeds with
 * the demo data (3 staff, 50 customers, 300 payments). Builds first when there is no build.
 *
 * Stripe's API is the stateful stand-in of tests/support/stripe-api.ts, in this process; specs
 * set its state through the control server on E2E_PORT + 1 (./stripe-control-server.ts, used
 * from specs through ./stripe-control.ts). The background reconciler is off
 * (RECONCILE_INTERVAL_MS=0): the demo data has stuck Stripe payments, and specs decide when
 * anything asks Stripe.
 *
 *   npx tsx tests/e2e/support/serve.ts      (Playwright's webServer runs this)
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startStripeApiStandIn } from "../../support/stripe-api";
import { E2E_PORT, E2E_STRIPE_WEBHOOK_SECRET } from "./env";
import { E2E_CONTROL_PORT, E2E_STRIPE_SECRET_KEY } from "./stripe-control";
import { startStripeControlServer } from "./stripe-control-server";

const root = path.resolve(import.meta.dirname, "../../..");
const dataDir = path.join(root, ".e2e-data");
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const tsxBin = path.join(root, "node_modules/tsx/dist/cli.mjs");

const stripe = await startStripeApiStandIn();
const control = await startStripeControlServer(stripe, E2E_CONTROL_PORT);
console.log(`e2e: Stripe API stand-in on ${stripe.url}, its control on ${control.url}`);

const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  NODE_ENV: "production",
  // A production start seeds no demo data of its own (first-run page instead); the specs sign in as the demo staff.
  SEED_DEMO: "1",
  // Specs deliver signed Stripe events (tests/e2e/webhooks.spec.ts).
  STRIPE_WEBHOOK_SECRET: E2E_STRIPE_WEBHOOK_SECRET,
  // Stripe's API is the stand-in: a lost answer takes 1.5 s (and the SDK's 2 retries), not 10.
  STRIPE_SECRET_KEY: E2E_STRIPE_SECRET_KEY,
  STRIPE_API_BASE: stripe.url,
  STRIPE_TIMEOUT_MS: "1500",
  // No background reconciler: it would settle the specs' (and the demo's) open payments behind their backs.
  RECONCILE_INTERVAL_MS: "0",
};
// The suite always runs on the embedded database, never on a configured server.
delete env.DATABASE_URL;
delete env.PORT;

fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(dataDir, { recursive: true });

if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
  console.log("e2e: no production build (.next/BUILD_ID), running next build…");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, env, stdio: "inherit" });
  if (build.status !== 0) {
    console.error(`e2e: next build failed (exit ${build.status ?? build.signal})`);
    process.exit(1);
  }
}

console.log(`e2e: Paydesk's server on 127.0.0.1:${E2E_PORT}, DATA_DIR=${path.relative(root, dataDir)}`);
const server: ChildProcess = spawn(process.execPath, [tsxBin, "lib/http/start.ts"], {
  cwd: root,
  env: { ...env, PORT: String(E2E_PORT), HOSTNAME: "127.0.0.1" },
  stdio: "inherit",
});

// Playwright stops the web server with a signal; pass it on so the server closes the
// embedded database cleanly, and never leave it running behind us.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (server.exitCode === null) server.kill(signal);
  });
}
server.on("exit", (code, signal) => {
  void Promise.allSettled([control.close(), stripe.close()]).finally(() =>
    process.exit(code ?? (signal ? 1 : 0)),
  );
});
