import { randomUUID } from "node:crypto";

export interface RequestMeta {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The client address: the right-most `X-Forwarded-For` entry after skipping
 * `TRUSTED_PROXY_HOPS` trusted proxies. Next.js fills the header with the socket address
 * when the client sent none; behind one proxy that appends (nginx's
 * `$proxy_add_x_forwarded_for`) the right-most entry is what that proxy saw.
 */
export function clientAddress(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return headers.get("x-real-ip");
  const hops = forwarded
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const skip = Math.max(Number.parseInt(process.env.TRUSTED_PROXY_HOPS ?? "0", 10) || 0, 0);
  const address = hops[Math.max(hops.length - 1 - skip, 0)] ?? null;
  return address ? address.replace(/^::ffff:/, "").slice(0, 100) : null;
}

export function requestMetaFrom(headers: Headers): RequestMeta {
  return {
    requestId: headers.get("x-request-id")?.slice(0, 100) || randomUUID(),
    ip: clientAddress(headers),
    userAgent: headers.get("user-agent")?.slice(0, 500) ?? null,
  };
}

/** Metadata of the request being handled (server action, page or route handler). */
export async function currentRequestMeta(): Promise<RequestMeta> {
  try {
    const { headers } = await import("next/headers");
    return requestMetaFrom(await headers());
  } catch {
    // Outside a request (tests, scripts): nothing to record but a fresh id.
    return { requestId: randomUUID(), ip: null, userAgent: null };
  }
}
