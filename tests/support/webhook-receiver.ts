import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (for timeouts). */
  delayMs?: number;
}

export type Responder = (request: ReceivedRequest, index: number) => Answer | Promise<Answer>;

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`: append any path. */
  origin: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: ReceivedRequest[];
  /** How each later request is answered (default: 200 "ok"). */
  respond(responder: Responder): void;
  /** How many requests carried each `webhook-id`. */
  countsById(): Map<string, number>;
  close(): Promise<void>;
}

/**
 * A local stand-in for a customer's webhook receiver: a node:http server on 127.0.0.1 with a
 * random port that records every request and answers as the test programs it.
 */
export async function startWebhookReceiver(responder?: Responder): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let answer: Responder = responder ?? (() => ({ status: 200, body: "ok" }));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      requests.push(received);
      const a = await answer(received, requests.length - 1);
      if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
      if (res.destroyed) return;
      res.writeHead(a.status, { "content-type": "text/plain", ...a.headers });
      res.end(a.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond(next) {
      answer = next;
    },
    countsById() {
      const counts = new Map<string, number>();
      for (const r of requests) {
        const id = String(r.headers["webhook-id"]);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
