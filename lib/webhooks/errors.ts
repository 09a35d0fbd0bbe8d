import { pgError } from "../db-errors";

/**
 * The database could not take the delivery (down, refusing connections, shutting down, or a
 * transient conflict). The route answers 503 so the provider delivers again later.
 */
export class WebhookUnavailableError extends Error {
  override name = "WebhookUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// Network-level failures of postgres.js (and node's socket errors under it).
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/**
 * True when an error says "try again later" rather than "this event is bad": the server is
 * unreachable or shutting down (SQLSTATE classes 08, 53, 57P0x), or the transaction lost a
 * serialization or deadlock conflict (40001, 40P01) that a later attempt will win.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const info = pgError(err);
  if (info?.code) {
    const code = info.code;
    if (code.startsWith("08") || code.startsWith("53")) return true;
    if (code === "57P01" || code === "57P02" || code === "57P03") return true;
    if (code === "40001" || code === "40P01") return true;
  }
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === "string" && CONNECTION_CODES.has(e.code)) return true;
    // PGlite after close(), or while the embedded directory is held by another process.
    if (
      typeof e.message === "string" &&
      /PGlite is closed|embedded database .*(busy|in use)/i.test(e.message)
    )
      return true;
    current = e.cause;
  }
  return false;
}
