import type { IncomingMessage, ServerResponse } from "node:http";
import type { DirectRoute } from "./direct-routes";
import { API_CSP, STATIC_SECURITY_HEADERS } from "./security-headers";

/**
 * Answers a request with a direct route (lib/http/direct-routes.ts): the body is read (up to
 * one byte past the route's limit), handed to the handler as a web Request, and its Response is
 * written back with the headers next.config.ts gives these routes (the static security headers
 * and the JSON-only Content-Security-Policy).
 */
export async function serveDirect(
  route: DirectRoute,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readUpTo(req, route.maxBodyBytes + 1);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  // Not the Host header: the handlers read only the path and query, and a client's Host must
  // not be able to make the URL invalid.
  const request = new Request(`http://localhost${req.url}`, {
    method: req.method,
    headers,
    body: (body ?? undefined) as BodyInit | undefined,
  });
  const response = await route.handler(request);

  for (const { key, value } of STATIC_SECURITY_HEADERS) res.setHeader(key, value);
  res.setHeader("Content-Security-Policy", API_CSP);
  response.headers.forEach((value, key) => {
    res.setHeader(key, value);
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  res.setHeader("content-length", bytes.length);
  // A body left unread (too large) is not drained: the connection closes after this answer.
  if (!req.complete) res.setHeader("connection", "close");
  res.end(bytes);
}

/**
 * The body's first `max` bytes (all of it when shorter); null when there is none or when its
 * declared length is already over (the handler refuses that from the header). A client that
 * stops sending midway leaves what arrived, which the handler then refuses.
 */
function readUpTo(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared >= max) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = () => {
      req.off("data", onData);
      req.off("end", finish);
      req.off("error", finish);
      if (total === 0) return resolve(null);
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
      resolve(all.length > max ? all.subarray(0, max) : all);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= max) {
        // Enough to know it is too large; the rest is never read (the answer closes the connection).
        req.pause();
        finish();
      }
    };
    req.on("data", onData);
    req.once("end", finish);
    req.once("error", finish);
  });
}
