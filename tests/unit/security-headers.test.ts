import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PEER_HEADER, peerHeaderValue } from "@/lib/http/peer";
import {
  API_CSP,
  contentSecurityPolicy,
  newNonce,
  nonceFromPolicy,
  STATIC_SECURITY_HEADERS,
} from "@/lib/http/security-headers";

// next-auth's session decoding for a request without a session cookie (it does not load under vitest).
vi.mock("@/lib/auth/next-auth", () => ({
  auth:
    (handler: (req: NextRequest & { auth: null }, ev: unknown) => Response) =>
    (req: NextRequest, ev: unknown) =>
      handler(Object.assign(req, { auth: null }), ev),
}));

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe("contentSecurityPolicy", () => {
  it("lets scripts run only with this request's nonce (no 'unsafe-inline' for scripts)", () => {
    const nonce = newNonce();
    const policy = directives(contentSecurityPolicy({ nonce }));
    expect(policy.get("script-src")).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.has("upgrade-insecure-requests")).toBe(false);
    // Styles may be inline (Radix, Recharts, sonner): a nonce there would switch that off.
    expect(policy.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it("adds eval only in development and upgrades sub-requests only over https", () => {
    expect(directives(contentSecurityPolicy({ nonce: "n", dev: true })).get("script-src")).toContain(
      "'unsafe-eval'",
    );
    expect(directives(contentSecurityPolicy({ nonce: "n" })).get("script-src")).not.toContain(
      "'unsafe-eval'",
    );
    expect(
      directives(contentSecurityPolicy({ nonce: "n", https: true })).has("upgrade-insecure-requests"),
    ).toBe(true);
  });

  it("nonces are fresh, unguessable and read back from the policy", () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    const nonce = newNonce();
    expect(Buffer.from(nonce, "base64")).toHaveLength(16);
    expect(nonceFromPolicy(contentSecurityPolicy({ nonce }))).toBe(nonce);
    expect(nonceFromPolicy(null)).toBeUndefined();
  });

  it("the static headers: nosniff, referrer policy, permissions policy; the API policy frames nothing", () => {
    const byName = new Map(STATIC_SECURITY_HEADERS.map((h) => [h.key.toLowerCase(), h.value]));
    expect(byName.get("x-content-type-options")).toBe("nosniff");
    expect(byName.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(byName.get("permissions-policy")).toMatch(/camera=\(\), microphone=\(\), geolocation=\(\)/);
    expect(byName.has("content-security-policy")).toBe(false);
    expect(directives(API_CSP).get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives(API_CSP).get("default-src")).toEqual(["'none'"]);
  });
});

describe("next.config.ts headers()", () => {
  it("sends the static headers everywhere and the API policy on the routes proxy.ts skips", async () => {
    const config = (await import("@/next.config")).default;
    const rules = await config.headers!();
    const all = rules.find((r) => r.source === "/:path*");
    expect(all?.headers.map((h) => h.key)).toEqual(
      expect.arrayContaining(["X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"]),
    );
    for (const source of ["/api/webhooks/:path*", "/api/v1/:path*"]) {
      expect(rules.find((r) => r.source === source)?.headers).toEqual([
        { key: "Content-Security-Policy", value: API_CSP },
      ]);
    }
  });
});

describe("proxy.ts", () => {
  let proxy: typeof import("@/proxy").proxy;
  beforeAll(async () => {
    proxy = (await import("@/proxy")).proxy;
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function visit(path: string, headers: Record<string, string> = {}) {
    return proxy(new NextRequest(new URL(path, "http://localhost:3000"), { headers }), {
      waitUntil: () => {},
    } as never);
  }

  it("hands Next the page's policy with a fresh nonce, and sends the browser the same one", async () => {
    const first = await visit("/login");
    const policy = first.headers.get("content-security-policy");
    expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    // What Next reads to put the nonce on its scripts: the request's own CSP header.
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(policy);
    const second = await visit("/login");
    expect(nonceFromPolicy(second.headers.get("content-security-policy"))).not.toBe(nonceFromPolicy(policy));
  });

  it("redirects and refusals carry a policy too", async () => {
    const redirect = await visit("/payments");
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const refused = await visit("/api/metricsx");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("sends HSTS only when a trusted proxy says the request came over https", async () => {
    vi.stubEnv("TRUSTED_PROXIES", "127.0.0.1");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    const viaProxy = { [PEER_HEADER]: peerHeaderValue("127.0.0.1"), "x-forwarded-proto": "https" };
    const https = await visit("/login", viaProxy);
    expect(https.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
    expect(https.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
    expect(
      (await visit("/login", { ...viaProxy, "x-forwarded-proto": "http" })).headers.has(
        "strict-transport-security",
      ),
    ).toBe(false);
    // A client that says "https" itself is not believed.
    const direct = { [PEER_HEADER]: peerHeaderValue("198.51.100.7"), "x-forwarded-proto": "https" };
    expect((await visit("/login", direct)).headers.has("strict-transport-security")).toBe(false);
    expect(
      (await visit("/login", { "x-forwarded-proto": "https" })).headers.has("strict-transport-security"),
    ).toBe(false);
  });

  it("PAYDESK_HTTPS=1 sends HSTS for every request", async () => {
    vi.stubEnv("PAYDESK_HTTPS", "1");
    expect((await visit("/login")).headers.get("strict-transport-security")).toMatch(/^max-age=/);
  });
});
