/**
 * The control side of the e2e Stripe stand-in: a small JSON server (127.0.0.1, E2E_PORT + 1) in
 * the serve process through which specs set what "Stripe" holds and how it answers. Specs use it
 * through ./stripe-control.ts; the server (Paydesk) never sees it.
 *
 *   POST /control/intent         {id, status, amount?, amount_received?, currency?, metadata?, …}
 *                                  stores a PaymentIntent (merged into one already stored)
 *   POST /control/next-refund    {status: "pending" | "succeeded" | "failed" | "hang_after_accept"}
 *                                  how the next new refund request is answered (queued, one each)
 *   POST /control/refund-status  {id, status, failure_reason?}: Stripe moves a refund later
 *   POST /control/dispute        {payment_intent, status?, reason?, …}: stores a dispute
 *   GET  /control/refunds[?payment_intent=pi_…]   the refunds Stripe made, oldest first
 *   GET  /control/requests?method=POST&path=/v1/refunds   {count}
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Json, StripeApiStandIn } from "../../support/stripe-api";

/** How the next new refund is answered: with this status, or accepted and never answered. */
export type NextRefund =
  | "pending"
  | "succeeded"
  | "failed"
  | "canceled"
  | "requires_action"
  | "hang_after_accept";

/**
 * A refund whose answer is lost hangs every request under its idempotency key for this long
 * after the first: the first try and the SDK's retries (STRIPE_TIMEOUT_MS=1500, 2 retries) all
 * go unanswered, so Paydesk sees no answer at all. Later resends under the key are answered.
 */
const LOST_ANSWER_WINDOW_MS = 15_000;

export interface StripeControlServer {
  url: string;
  close(): Promise<void>;
}

class BadRequest extends Error {}

function str(body: Json, key: string, required = true): string | undefined {
  const value = body[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.length === 0) throw new BadRequest(`"${key}" must be a string`);
  return value;
}

export async function startStripeControlServer(
  stripe: StripeApiStandIn,
  port: number,
): Promise<StripeControlServer> {
  const queued: NextRefund[] = [];
  /** Idempotency keys of refund requests already seen; value: until when their answers are lost. */
  const seen = new Map<string, number>();

  // Decides, per request to the stand-in, how a refund request is answered.
  stripe.fault = (req) => {
    if (req.method !== "POST" || req.path !== "/v1/refunds") return null;
    const key = req.idempotencyKey ?? `no-key-${Math.random()}`;
    if (!seen.has(key)) {
      const next = queued.shift() ?? "succeeded";
      const lost = next === "hang_after_accept";
      stripe.nextRefundStatus = lost ? "succeeded" : next;
      seen.set(key, lost ? Date.now() + LOST_ANSWER_WINDOW_MS : 0);
    }
    return Date.now() < (seen.get(key) ?? 0) ? "hang_after_accept" : null;
  };

  const routes: Record<string, (body: Json, url: URL) => unknown> = {
    "POST /control/intent": (body) => {
      const id = str(body, "id")!;
      const existing = stripe.intents.get(id);
      if (existing) {
        Object.assign(existing, body);
        return existing;
      }
      return stripe.putIntent(body);
    },
    "POST /control/next-refund": (body) => {
      const status = str(body, "status") as NextRefund;
      queued.push(status);
      return { queued: [...queued] };
    },
    "POST /control/refund-status": (body) =>
      stripe.setRefundStatus(str(body, "id")!, str(body, "status")!, str(body, "failure_reason", false)),
    "POST /control/dispute": (body) => {
      str(body, "payment_intent");
      return stripe.putDispute(body as Json & { payment_intent: string });
    },
    "GET /control/refunds": (_body, url) => {
      const pi = url.searchParams.get("payment_intent");
      return {
        refunds: [...stripe.refunds.values()].filter((r) => !pi || r.payment_intent === pi),
      };
    },
    "GET /control/requests": (_body, url) => ({
      count: stripe.count(url.searchParams.get("method") ?? "POST", url.searchParams.get("path") ?? ""),
    }),
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://control");
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const route = routes[`${req.method} ${url.pathname}`];
      if (!route) return send(404, { error: `no route ${req.method} ${url.pathname}` });
      try {
        const body = raw ? (JSON.parse(raw) as Json) : {};
        if (typeof body !== "object" || body === null || Array.isArray(body)) {
          throw new BadRequest("the body must be a JSON object");
        }
        send(200, route(body, url));
      } catch (err) {
        send(err instanceof BadRequest || err instanceof SyntaxError ? 400 : 500, {
          error: (err as Error).message,
        });
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
