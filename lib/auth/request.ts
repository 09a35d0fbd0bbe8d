import { randomUUID } from "node:crypto";
import { proxyTrustFromEnv, resolveClientAddress } from "@/lib/http/client-address";
import { peerAddress } from "@/lib/http/peer";
import { fixedRequestId } from "@/lib/http/request-id";

export interface RequestMeta {
  /** Ours, always freshly generated: a client must not choose what the audit log calls its request. */
  requestId: string;
  /** What the client sent as `X-Request-Id` (trimmed, printable, at most 100 characters), kept apart. */
  clientRequestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The client address. The socket's peer (recorded by the custom server, lib/http/server.ts)
 * unless that peer is a trusted proxy (`TRUSTED_PROXIES`), in which case `X-Forwarded-For`
 * is followed right to left for at most `TRUSTED_PROXY_HOPS` hops, stopping at the first
 * untrusted one. Null when the app runs without the custom server (`next dev`, plain
 * `next start`): then no one can say where the request came from, and a header the client
 * wrote is no answer.
 */
export function clientAddress(headers: Headers): string | null {
  return resolveClientAddress(peerAddress(headers), headers.get("x-forwarded-for"), proxyTrustFromEnv());
}

/** The client's `X-Request-Id`, fit to keep: trimmed, printable ASCII only, at most 100 characters. */
export function clientRequestIdFrom(headers: Headers): string | null {
  const raw = headers.get("x-request-id");
  if (!raw) return null;
  const printable = raw.replace(/[^\x20-\x7e]/g, "").trim();
  return printable ? printable.slice(0, 100) : null;
}

export function requestMetaFrom(headers: Headers): RequestMeta {
  return {
    requestId: fixedRequestId() ?? randomUUID(),
    clientRequestId: clientRequestIdFrom(headers),
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
    return { requestId: randomUUID(), clientRequestId: null, ip: null, userAgent: null };
  }
}
