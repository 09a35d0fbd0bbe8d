import { randomUUID } from "node:crypto";
import type { PaymentProvider } from "@/db/schema/enums";
import { clientRequestIdFrom } from "@/lib/auth/request";
import { withRequestId } from "@/lib/http/request-id";
import { requestLogger } from "@/lib/log";
import { type DeliveryOutcome, observeWebhookDelivery } from "./webhooks";

type Provider = Exclude<PaymentProvider, "manual">;

/**
 * Wraps a provider webhook route: times the delivery into
 * `paydesk_webhook_processing_seconds{provider,outcome}` and writes one log line for it
 * (provider, event id, outcome, HTTP status, ms, request id). The receiver itself is unchanged.
 *
 * The request id is ours, fixed here and handed on in memory (withRequestId), so the
 * receiver's audit entries and this log line carry the same one; the sender's own
 * `X-Request-Id` is only logged beside it as `clientRequestId`.
 */
export async function observeDelivery(
  provider: Provider,
  req: Request,
  receive: (req: Request) => Promise<Response>,
  eventIdOf: (body: string) => string | null,
): Promise<Response> {
  const requestId = randomUUID();
  const clientRequestId = clientRequestIdFrom(req.headers);
  const tap = tapBody(req);
  const log = requestLogger(requestId, { provider, ...(clientRequestId ? { clientRequestId } : {}) });
  const started = performance.now();

  let response: Response;
  try {
    response = await withRequestId(requestId, () => receive(tap.request));
  } catch (err) {
    const seconds = (performance.now() - started) / 1000;
    observeWebhookDelivery(provider, "error", seconds);
    log.error({ err, outcome: "error", ms: ms(seconds) }, "webhook delivery failed");
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const answer = await answerOf(response);
  observeWebhookDelivery(provider, answer.outcome, seconds);

  const eventId = response.status === 200 ? safely(eventIdOf)(tap.text()) : null;
  const line = {
    eventId,
    eventRowId: answer.eventRowId,
    outcome: answer.outcome,
    status: response.status,
    ms: ms(seconds),
    ...(answer.detail ? { detail: answer.detail } : {}),
  };
  const level = LEVEL[answer.outcome];
  log[level](line, "webhook delivery");
  return response;
}

function safely(eventIdOf: (body: string) => string | null) {
  return (body: string): string | null => {
    if (!body) return null;
    try {
      return eventIdOf(body);
    } catch {
      return null; // a log line without the id, never a failed delivery
    }
  };
}

const LEVEL: Record<DeliveryOutcome, "info" | "warn" | "error"> = {
  processed: "info",
  ignored: "info",
  duplicate: "info",
  failed: "warn",
  rejected: "warn",
  unconfirmed: "warn",
  unavailable: "error",
  error: "error",
};

/**
 * The request as the receiver gets it: the same headers, and the same body
 * seen through a pass-through stream that keeps a copy of what the receiver reads (no more: its
 * own size limit still applies), so the event can be named in the log without reading the body
 * twice. Not `req.clone()`: cancelling one branch of a tee waits for the other branch, so a
 * receiver that stops reading an oversized body would hang.
 */
function tapBody(req: Request): { request: Request; text: () => string } {
  const headers = new Headers(req.headers);
  if (!req.body) return { request: new Request(req, { headers }), text: () => "" };
  const source = req.body.getReader();
  const seen: Uint8Array[] = [];
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await source.read();
      if (done) {
        controller.close();
        return;
      }
      seen.push(value);
      controller.enqueue(value);
    },
    cancel(reason) {
      return source.cancel(reason);
    },
  });
  const init: RequestInit & { duplex: "half" } = { headers, body, duplex: "half" };
  return { request: new Request(req, init), text: () => Buffer.concat(seen).toString("utf8") };
}

interface Answer {
  outcome: DeliveryOutcome;
  eventRowId: string | null;
  detail: string | null;
}

/** The outcome the receiver's answer states: its JSON for a 200, its status otherwise. */
async function answerOf(response: Response): Promise<Answer> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.clone().json()) as Record<string, unknown>;
  } catch {
    // Not JSON: the status alone says what happened.
  }
  const detail = typeof body.detail === "string" ? body.detail.slice(0, 200) : null;
  const eventRowId = typeof body.eventId === "string" ? body.eventId : null;
  if (response.status === 200) {
    const stored = body.outcome;
    const outcome: DeliveryOutcome =
      body.duplicate === true
        ? "duplicate"
        : stored === "processed" || stored === "ignored" || stored === "failed"
          ? stored
          : "processed";
    return { outcome, eventRowId, detail: null };
  }
  if (response.status === 409) return { outcome: "unconfirmed", eventRowId, detail };
  if (response.status === 503) return { outcome: "unavailable", eventRowId, detail };
  return { outcome: response.status < 500 ? "rejected" : "error", eventRowId, detail };
}

function ms(seconds: number): number {
  return Math.round(seconds * 10_000) / 10;
}
