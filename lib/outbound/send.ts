import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { guardedLookup, type TargetOptions, TargetRefusedError, urlProblem } from "./address";

export const DEFAULT_TIMEOUT_MS = 10_000;
/** What the delivery log keeps of an answer: enough to see an error page's message. */
export const EXCERPT_CHARS = 500;
// Bytes read of the answer before hanging up: the excerpt needs no more, and a receiver
// streaming a huge body must not hold the worker.
const READ_LIMIT_BYTES = 4_096;
const USER_AGENT = "Paydesk-Webhooks/1.0";

export function attemptTimeoutMs(): number {
  const raw = Number.parseInt(process.env.OUTBOUND_TIMEOUT_MS ?? "", 10);
  return Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_TIMEOUT_MS;
}

export interface SendRequest extends TargetOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface SendResult {
  /** A 2xx answer within the timeout. */
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  /** Why the attempt failed when there was no answer, or the answer was a redirect. */
  error: string | null;
}

/**
 * One POST, no retries: the schedule is the caller's. Redirects are never followed (a 3xx is a
 * failure: following one would send the signed body somewhere the admin never approved, and
 * around the SSRF check). The connection goes only to addresses `guardedLookup` checked.
 */
export function sendWebhook(request: SendRequest): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = urlProblem(request.url, request);
  if (refused) {
    return Promise.resolve({
      ok: false,
      statusCode: null,
      latencyMs: 0,
      responseExcerpt: null,
      error: `refused: ${refused}`,
    });
  }
  const url = new URL(request.url);
  const client = url.protocol === "https:" ? https : http;

  return new Promise((resolve) => {
    let settled = false;
    let statusCode: number | null = null;
    let location: string | null = null;
    const chunks: Buffer[] = [];
    let received = 0;

    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Once the answer's head is in, its status decides, even if the body is cut short.
      const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
      const redirect =
        statusCode !== null && statusCode >= 300 && statusCode < 400
          ? `redirect (${statusCode}${location ? ` to ${location}` : ""}) not followed`
          : null;
      resolve({
        ok,
        statusCode,
        latencyMs: elapsed(),
        responseExcerpt: statusCode === null ? null : excerpt(Buffer.concat(chunks)),
        error: statusCode === null ? error : redirect,
      });
      req.destroy();
    };

    const req = client.request(
      url,
      {
        method: "POST",
        headers: {
          ...request.headers,
          "content-length": String(Buffer.byteLength(request.body)),
          "user-agent": USER_AGENT,
        },
        // A fresh connection per attempt, resolved through the guard (no pooled socket to an
        // address checked for another host).
        agent: false,
        lookup: guardedLookup(request),
      },
      (res) => {
        statusCode = res.statusCode ?? null;
        location = typeof res.headers.location === "string" ? res.headers.location.slice(0, 200) : null;
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          if (received >= READ_LIMIT_BYTES) finish(null);
        });
        res.on("end", () => finish(null));
        res.on("error", () => finish(null));
        res.on("close", () => finish(null));
      },
    );
    // DNS, connect, TLS and the answer's head must fit in the timeout.
    const timer = setTimeout(() => finish(`timed out after ${request.timeoutMs} ms`), request.timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => {
      finish(err instanceof TargetRefusedError ? `refused: ${err.message}` : err.message || String(err.code));
    });
    req.end(request.body);
  });
}

/** The first characters of an answer, as text the database can store (no NUL, no lone surrogate). */
function excerpt(body: Buffer): string {
  return body.toString("utf8").slice(0, EXCERPT_CHARS).replaceAll("\u0000", "\uFFFD").toWellFormed();
}
