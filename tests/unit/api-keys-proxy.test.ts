import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";

// next-auth's session decoding, as it behaves for a request without a session cookie: the
// wrapped handler sees `req.auth` null. (next-auth itself does not load under vitest's ESM.)
vi.mock("@/lib/auth/next-auth", () => ({
  auth:
    (handler: (req: NextRequest & { auth: null }, ev: unknown) => Response) =>
    (req: NextRequest, ev: unknown) =>
      handler(Object.assign(req, { auth: null }), ev),
}));

/**
 * proxy.ts must let the product API and the metrics through without a staff session (they
 * check their own bearer credentials and answer 401 themselves), and still guard the rest.
 */
describe("proxy.ts and bearer-authenticated routes", () => {
  let proxy: typeof import("@/proxy").proxy;
  let matcher: string;

  beforeAll(async () => {
    const mod = await import("@/proxy");
    proxy = mod.proxy;
    matcher = mod.config.matcher[0]!;
  });

  async function visit(path: string, headers: Record<string, string> = {}) {
    const req = new NextRequest(new URL(path, "http://localhost:3000"), { headers });
    return proxy(req, { waitUntil: () => {} } as never);
  }

  /** Next runs the proxy only where the matcher matches (a path-to-regexp pattern anchored at both ends). */
  function proxyRuns(path: string): boolean {
    return new RegExp(`^${matcher}$`).test(path);
  }

  it("does not even run for /api/v1/*, which saves the session decoding", () => {
    expect(proxyRuns("/api/v1/customers/anna%40example.com/entitlements")).toBe(false);
    expect(proxyRuns("/api/v1/openapi.json")).toBe(false);
    expect(proxyRuns("/payments")).toBe(true);
    expect(proxyRuns("/api/v1x")).toBe(true);
  });

  it("passes /api/v1/* and /api/metrics through without a session, even if it runs", async () => {
    for (const path of ["/api/v1/customers/x/entitlements", "/api/v1/openapi.json", "/api/metrics"]) {
      const res = await visit(path, { authorization: "Bearer pdk_whatever" });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-middleware-next"), path).toBe("1");
      expect(res.headers.get("location"), path).toBeNull();
    }
  });

  it("still sends pages to /login and answers other API routes 401 without a session", async () => {
    const page = await visit("/settings/api-keys");
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toContain("/login?callbackUrl=%2Fsettings%2Fapi-keys");
    const api = await visit("/api/metricsx");
    expect(api.status).toBe(401);
    expect(api.headers.get("content-type")).toBe("application/problem+json");
  });
});
