/**
 * Pages benchmark: what a signed-in admin's browser loads, on the production build.
 *
 * 1. Opens BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/paydesk_bench_pages),
 *    creating it when needed; `npm start` seeds it with the demo business (SEED_DEMO=1) the
 *    first time, and the bench admin signs in (bench/lib/server.ts).
 * 2. First-load JavaScript of every page route: Chromium (Playwright, Debian's build) opens the
 *    route with the session cookie and sums the scripts fetched until the load event, as sent
 *    (gzip, `npm start` compresses) and as decoded. Target ≤ 150 KB gzip on every route.
 * 3. Lighthouse (desktop preset: performance, accessibility, best practices) on `/`,
 *    `/payments`, `/payments/[id]`, `/customers/[id]` and `/audit`. Targets ≥ 95 / 100 / 100 and
 *    Total Blocking Time < 100 ms.
 *
 *   npm run build && npm run bench:pages
 *
 * Env: BENCH_DATABASE_URL, CHROMIUM_PATH (default /usr/bin/chromium), BENCH_STRICT=1 (exit 2
 * when a target is missed).
 */
import os from "node:os";
import { chromium } from "@playwright/test";
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import postgres from "postgres";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { quiet, redact, table } from "./lib/common";
import { ensureDatabase } from "./lib/database";
import {
  ensureBenchAdmin,
  freePort,
  hasProductionBuild,
  signIn,
  startServer,
  stopServer,
  waitForHealth,
} from "./lib/server";

const BENCH_URL = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/paydesk_bench_pages";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const STRICT = process.env.BENCH_STRICT === "1";

const FIRST_LOAD_TARGET_KB = 150;
const PERFORMANCE_TARGET = 95;
const ACCESSIBILITY_TARGET = 100;
const BEST_PRACTICES_TARGET = 100;
const TBT_TARGET_MS = 100;

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

interface Ids {
  payment: string;
  customer: string;
  webhook: string | null;
}

/** A payment and a customer with history, from the seeded demo business. */
async function pickIds(raw: postgres.Sql): Promise<Ids> {
  const [payment] = await raw<{ id: string; customer_id: string }[]>`
    select p.id::text, p.customer_id::text from payments p
    where p.status in ('succeeded', 'partially_refunded', 'refunded')
    order by (select count(*) from payments q where q.customer_id = p.customer_id) desc, p.created_at desc
    limit 1`;
  if (!payment) throw new Error("no succeeded payment in the bench database: the demo seed did not run");
  const [webhook] = await raw<
    { id: string }[]
  >`select id::text from webhook_events order by received_at desc limit 1`;
  return { payment: payment.id, customer: payment.customer_id, webhook: webhook?.id ?? null };
}

function routes(ids: Ids): string[] {
  return [
    "/",
    "/payments",
    "/payments/new",
    `/payments/${ids.payment}`,
    "/customers",
    `/customers/${ids.customer}`,
    "/audit",
    "/webhooks",
    ...(ids.webhook ? [`/webhooks/${ids.webhook}`] : []),
    "/review",
    "/approvals",
    "/staff",
    "/settings/webhooks",
    "/settings/api-keys",
    "/settings/security",
    "/settings/approvals",
    "/account/security",
    "/account/password",
  ];
}

/** The five pages the issue holds to the Lighthouse figures. */
function lighthouseRoutes(ids: Ids): string[] {
  return ["/", "/payments", `/payments/${ids.payment}`, `/customers/${ids.customer}`, "/audit"];
}

interface FirstLoad {
  route: string;
  status: number;
  scripts: number;
  encoded: number;
  decoded: number;
}

async function firstLoadJs(base: string, cookie: string, paths: string[]): Promise<FirstLoad[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const out: FirstLoad[] = [];
    for (const route of paths) {
      // A fresh context per route: an empty cache, as on a first visit.
      const context = await browser.newContext({ extraHTTPHeaders: { cookie } });
      const page = await context.newPage();
      const scripts: Promise<{ encoded: number; decoded: number }>[] = [];
      // What arrives after the load event (the chart, the toaster, fetched when idle) is not
      // first-load JavaScript, and may still be in flight when the context closes.
      let loaded = false;
      page.on("response", (response) => {
        if (loaded || response.request().resourceType() !== "script") return;
        scripts.push(
          (async () => {
            const sizes = await response.request().sizes();
            const body = await response.body().catch(() => Buffer.alloc(0));
            return { encoded: sizes.responseBodySize, decoded: body.length };
          })(),
        );
      });
      const response = await page.goto(`${base}${route}`, { waitUntil: "load" });
      loaded = true;
      const sized = await Promise.all(scripts);
      out.push({
        route,
        status: response?.status() ?? 0,
        scripts: sized.length,
        encoded: sized.reduce((n, s) => n + s.encoded, 0),
        decoded: sized.reduce((n, s) => n + s.decoded, 0),
      });
      await context.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}

interface Scores {
  route: string;
  performance: number;
  accessibility: number;
  bestPractices: number;
  tbtMs: number;
  lcpMs: number;
  failing: string[];
}

async function lighthouseScores(base: string, cookie: string, paths: string[]): Promise<Scores[]> {
  const chrome = await launch({
    chromePath: CHROMIUM,
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
  });
  try {
    const out: Scores[] = [];
    for (const route of paths) {
      // A run that fails outright (a timeout, no first paint on a busy machine) is retried once,
      // and its error is printed rather than reported as a score of 0.
      let result: Awaited<ReturnType<typeof lighthouse>> | undefined;
      for (let attempt = 1; attempt <= 2; attempt++) {
        result = await lighthouse(
          `${base}${route}`,
          {
            port: chrome.port,
            output: "json",
            logLevel: "error",
            onlyCategories: ["performance", "accessibility", "best-practices"],
            extraHeaders: { cookie },
          },
          desktopConfig,
        );
        const failed = result?.lhr.runtimeError;
        if (!failed) break;
        console.error(
          `  Lighthouse failed on ${route} (attempt ${attempt}): ${failed.code} ${failed.message}`,
        );
      }
      if (!result) throw new Error(`Lighthouse gave no result for ${route}`);
      const { categories, audits } = result.lhr;
      const score = (id: string) => Math.round((categories[id]?.score ?? 0) * 100);
      const failing = Object.values(audits)
        .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
        .map((a) => a.id);
      out.push({
        route,
        performance: score("performance"),
        accessibility: score("accessibility"),
        bestPractices: score("best-practices"),
        tbtMs: audits["total-blocking-time"]?.numericValue ?? Number.NaN,
        lcpMs: audits["largest-contentful-paint"]?.numericValue ?? Number.NaN,
        failing,
      });
    }
    return out;
  } finally {
    chrome.kill();
  }
}

async function main(): Promise<number> {
  if (!hasProductionBuild()) {
    console.error("no production build (.next/BUILD_ID): run `npm run build` first");
    return 1;
  }
  console.log("Paydesk pages benchmark: first-load JavaScript of every page; Lighthouse on five");
  console.log(`  database ${redact(BENCH_URL)}; ${os.cpus().length} CPUs; node ${process.version}`);
  await ensureDatabase(BENCH_URL);
  const handle = await openDatabase({ url: BENCH_URL });
  const raw = postgres(BENCH_URL, { max: 1, ...quiet });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  process.env.SEED_DEMO = "1";
  const server = startServer(port, BENCH_URL);
  try {
    await migrateDatabase(handle);
    await waitForHealth(base, server.child);
    await ensureBenchAdmin(handle);
    const session = await signIn(base, "/");
    if (!session.ok) throw new Error(`sign-in failed: ${session.problem}`);
    const cookie = session.jar.header();
    const ids = await pickIds(raw);

    const loads = await firstLoadJs(base, cookie, routes(ids));
    console.log("\nFirst-load JavaScript (scripts fetched until the load event)");
    console.log(
      table(
        ["route", "status", "scripts", "gzip KB", "decoded KB", `≤ ${FIRST_LOAD_TARGET_KB} KB gzip`],
        loads.map((l) => [
          l.route,
          l.status,
          l.scripts,
          kb(l.encoded),
          kb(l.decoded),
          l.encoded / 1024 <= FIRST_LOAD_TARGET_KB ? "PASS" : "FAIL",
        ]),
      ),
    );

    const scores = await lighthouseScores(base, cookie, lighthouseRoutes(ids));
    console.log("\nLighthouse, desktop preset");
    console.log(
      table(
        [
          "route",
          "performance",
          "accessibility",
          "best practices",
          "TBT ms",
          "LCP ms",
          "result",
          "failing audits",
        ],
        scores.map((s) => [
          s.route,
          s.performance,
          s.accessibility,
          s.bestPractices,
          Math.round(s.tbtMs),
          Math.round(s.lcpMs),
          pass(s) ? "PASS" : "FAIL",
          s.failing.join(", "),
        ]),
      ),
    );
    const missed = loads.some((l) => l.encoded / 1024 > FIRST_LOAD_TARGET_KB) || scores.some((s) => !pass(s));
    console.log(
      JSON.stringify({
        bench: "pages",
        firstLoad: loads.map((l) => ({
          route: l.route,
          gzipKb: Number(kb(l.encoded)),
          decodedKb: Number(kb(l.decoded)),
        })),
        lighthouse: scores,
        pass: !missed,
      }),
    );
    return STRICT && missed ? 2 : 0;
  } catch (err) {
    const tail = server.log().trim().split("\n").slice(-15).join("\n    ");
    console.error(`bench failed: ${(err as Error).message}\n  server output (tail):\n    ${tail}`);
    return 1;
  } finally {
    await stopServer(server.child);
    await raw.end({ timeout: 5 });
    await handle.close();
  }
}

function pass(s: Scores): boolean {
  return (
    s.performance >= PERFORMANCE_TARGET &&
    s.accessibility >= ACCESSIBILITY_TARGET &&
    s.bestPractices >= BEST_PRACTICES_TARGET &&
    s.tbtMs < TBT_TARGET_MS
  );
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
