import { type NextFetchEvent, type NextRequest, NextResponse } from "next/server";
import { auth } from "@/lib/auth/next-auth";
import { isHttpsRequest } from "@/lib/http/https";
import { contentSecurityPolicy, HSTS_VALUE, newNonce } from "@/lib/http/security-headers";

// Reachable without a session: the sign-in page, next-auth's own routes, the health check
// for load balancers, provider webhooks (which carry their own signatures), and the product
// API and the metrics (which check their own bearer keys and answer 401 themselves).
const PUBLIC = [
  /^\/login$/,
  /^\/setup$/,
  /^\/api\/auth\//,
  /^\/api\/health$/,
  /^\/api\/webhooks\//,
  /^\/api\/v1\//,
  /^\/api\/metrics$/,
];

/**
 * The first gate: no session, no page. It only reads the signed session cookie; each page,
 * action and route handler still checks the account and its permission on the server.
 */
const guard = auth((req) => {
  const { pathname, search } = req.nextUrl;
  // /login itself decides whether a session is still good (it checks the account in the
  // database), so a disabled account's cookie cannot bounce between /login and a page.
  if (PUBLIC.some((re) => re.test(pathname))) return pass(req);
  if (req.auth?.user) return pass(req);
  // Route handlers answer 401 problem+json; a redirect to the sign-in page only helps pages.
  if (pathname.startsWith("/api/") || pathname === "/audit/export") {
    return Response.json(
      { type: "about:blank", title: "Unauthorized", status: 401, detail: "Sign in to use this endpoint." },
      { status: 401, headers: { "content-type": "application/problem+json", "cache-control": "no-store" } },
    );
  }
  const login = new URL("/login", req.nextUrl);
  login.searchParams.set("callbackUrl", `${pathname}${search}`);
  return NextResponse.redirect(login);
});

export async function proxy(request: NextRequest, event: NextFetchEvent) {
  // With a lazily resolved config, next-auth hands back the wrapped handler asynchronously.
  const handler = (await guard) as unknown as (req: NextRequest, ev: NextFetchEvent) => Promise<Response>;
  return withSecurityHeaders(request, withoutReissuedSession(await handler(request, event)));
}

/**
 * Lets the request through with a fresh CSP nonce. Next reads the nonce from the request's
 * own `Content-Security-Policy` header and puts it on every script it renders; the browser
 * gets the same policy on the response.
 */
function pass(req: NextRequest): NextResponse {
  const policy = contentSecurityPolicy({
    nonce: newNonce(),
    dev: process.env.NODE_ENV === "development",
    https: isHttpsRequest(req.headers),
  });
  const headers = new Headers(req.headers);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

/** Redirects and refusals made here get a policy too; HSTS only on https (lib/http/https.ts). */
function withSecurityHeaders(request: NextRequest, response: Response): Response {
  const https = isHttpsRequest(request.headers);
  if (!response.headers.has("content-security-policy")) {
    response.headers.set("content-security-policy", contentSecurityPolicy({ nonce: newNonce(), https }));
  }
  if (https) response.headers.set("strict-transport-security", HSTS_VALUE);
  return response;
}

/** A session cookie with a value (a deletion has none): `authjs.session-token=…`, chunks too. */
const SESSION_COOKIE = /^(?:__Secure-)?authjs\.session-token(?:\.\d+)?=[^;]/;

/**
 * next-auth re-issues the session cookie on every request it sees. Sessions here end 8 hours
 * after sign-in however active they are (the cookie is set for exactly that long at sign-in),
 * so the re-issue extends nothing, and it does harm: a response to a request that was in
 * flight when the user signed out (a link prefetch, typically) would put the cookie back and
 * silently undo the sign-out. Deletions (an expired or refused session) still go through.
 */
function withoutReissuedSession(response: Response): Response {
  const cookies = response.headers.getSetCookie();
  const kept = cookies.filter((cookie) => !SESSION_COOKIE.test(cookie));
  if (kept.length === cookies.length) return response;
  response.headers.delete("set-cookie");
  for (const cookie of kept) response.headers.append("set-cookie", cookie);
  return response;
}

// Provider webhooks and /api/v1 never carry a session and check their own credentials:
// skipping the proxy saves them the session decoding (~1 ms of CPU a delivery, measured by
// bench:webhooks). PUBLIC lists them too, should the matcher ever let them through.
export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|icon.svg|robots.txt|api/webhooks/|api/v1/).*)"],
};
