import type { Page, Response } from "@playwright/test";
import { asRole, expect, signedOut, test } from "./support/fixtures";

/**
 * Protective headers on real pages of the production build, and the proof that the policy
 * does not break the app: Next's own scripts and the theme script run under the nonce, with
 * no Content-Security-Policy violation reported by the browser.
 */

/** Records every CSP violation the page reports, from before its first script runs. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const messages: string[] = [];
  page.on("console", (message) => {
    // A policy the browser cannot parse (an unknown Permissions-Policy feature) warns here too.
    if (
      /Content Security Policy|Refused to (execute|load|apply|connect|frame)|Permissions-Policy/i.test(
        message.text(),
      )
    ) {
      messages.push(message.text());
    }
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) => {
      seen.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return async () => [
    ...messages,
    ...(await page.evaluate(
      () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
    )),
  ];
}

function expectProtectiveHeaders(response: Response | null) {
  expect(response).not.toBeNull();
  const headers = response!.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["permissions-policy"]).toContain("camera=()");
  // The e2e server is plain http with no proxy: no HSTS.
  expect(headers["strict-transport-security"]).toBeUndefined();
  return csp;
}

test.describe("signed out", () => {
  test.use(signedOut);

  test("/login carries the headers, its scripts run under the nonce, and nothing is refused", async ({
    page,
  }) => {
    const violations = await watchViolations(page);
    const response = await page.goto("/login");
    const csp = expectProtectiveHeaders(response);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    // Every script in the HTML Next rendered carries this request's nonce (scripts its runtime
    // adds later are admitted by 'strict-dynamic').
    const html = await response!.text();
    const tags = html.match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
    // Next's runtime started (it sets window.next when its scripts run).
    await expect
      .poll(() => page.evaluate(() => typeof (window as unknown as { next?: unknown }).next))
      .toBe("object");
    await page.waitForLoadState("networkidle");
    expect(await violations()).toEqual([]);

    // A fresh nonce for the next request.
    const again = await page.goto("/login");
    expect(again!.headers()["content-security-policy"]).not.toBe(csp);
  });

  test("routes the proxy skips still get nosniff and frame-ancestors", async ({ request }) => {
    const response = await request.get("/api/v1/openapi.json");
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
    expect(response.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  });
});

test.describe("signed in", () => {
  test.use(asRole("admin"));

  test("the overview and payments pages work under the policy", async ({ page }) => {
    const violations = await watchViolations(page);
    expectProtectiveHeaders(await page.goto("/"));
    await page.waitForLoadState("networkidle");
    expectProtectiveHeaders(await page.goto("/payments"));
    await expect(page.getByRole("table").first()).toBeVisible();
    // Client-side navigation (RSC fetches, new chunks) under 'strict-dynamic'.
    await page.getByRole("link", { name: "Customers", exact: true }).first().click();
    await expect(page).toHaveURL(/\/customers/);
    await page.waitForLoadState("networkidle");
    expect(await violations()).toEqual([]);
  });
});
