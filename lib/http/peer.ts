/**
 * The socket address of the connection, handed from the custom server (lib/http/server.ts)
 * to route handlers, which Next gives no socket. The server overwrites `x-paydesk-peer` on
 * every request with `<token> <address>`; the token is random per process and lives only in
 * its memory, so a client that sends its own `x-paydesk-peer` (say, to an app started with
 * plain `next start`, where nothing overwrites it) is never believed.
 *
 * No Node-only imports: proxy.ts reads it too.
 */
export const PEER_HEADER = "x-paydesk-peer";

// Shared by the server and Next's separately bundled route code in the same process.
const holder = globalThis as unknown as { __paydeskPeerToken?: string };

function newToken(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The header value that says "this request's socket came from `address`". */
export function peerHeaderValue(address: string | null | undefined): string {
  holder.__paydeskPeerToken ??= newToken();
  return `${holder.__paydeskPeerToken} ${address || "unknown"}`;
}

/**
 * The socket address the custom server recorded, or null when there is none to believe: the
 * header is missing (`next dev`, plain `next start`, a test calling a handler directly) or
 * was not written by this process's server.
 */
export function peerAddress(headers: Headers): string | null {
  const token = holder.__paydeskPeerToken;
  const value = headers.get(PEER_HEADER);
  if (!token || !value) return null;
  const space = value.indexOf(" ");
  if (space < 0 || !sameText(value.slice(0, space), token)) return null;
  const address = value.slice(space + 1);
  return address && address !== "unknown" ? address : null;
}

/** Equal-length comparison in constant time, so the token cannot be guessed byte by byte. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
