import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseProxyTrust } from "./client-address";
import { directRouteFor } from "./direct-routes";
import { PEER_HEADER, peerHeaderValue } from "./peer";
import { serveDirect } from "./serve-direct";

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Puts the socket's address in the private peer header, replacing whatever the client sent
 * under that name (in the parsed headers and the raw list alike), so route handlers can
 * learn where the connection came from (lib/auth/request.ts `clientAddress`).
 */
export function stampPeer(req: IncomingMessage): void {
  const value = peerHeaderValue(req.socket.remoteAddress);
  delete req.headers[PEER_HEADER];
  req.headers[PEER_HEADER] = value;
  const raw: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== PEER_HEADER)
      raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  raw.push(PEER_HEADER, value);
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}

/** An HTTP server that stamps every request's peer before `handler` sees it. */
export function createPeerServer(handler: NodeHandler): http.Server {
  return http.createServer((req, res) => {
    stampPeer(req);
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        console.error("request failed", err);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader("content-type", "text/plain; charset=utf-8");
        }
        res.end();
      });
  });
}

/**
 * The direct routes (the provider webhooks, registered by instrumentation.ts) answered here,
 * ahead of Next's pipeline (lib/http/direct-routes.ts); every other request goes to `next`.
 */
export function withDirectRoutes(next: NodeHandler): NodeHandler {
  return (req, res) => {
    const direct = directRouteFor(req.method, req.url);
    return direct ? serveDirect(direct, req, res) : next(req, res);
  };
}

export interface StartOptions {
  dev: boolean;
  /** Listen address; all interfaces when absent (as `next start`). */
  hostname?: string;
  port: number;
  /** The project directory (where .next and next.config live). */
  dir?: string;
}

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Paydesk's server: Next's request handler behind `createPeerServer`, but for the direct routes
 * (the provider webhooks) that instrumentation.ts registers. The database is still
 * opened (and closed on SIGTERM/SIGINT) from instrumentation.ts via db/runtime.ts; this only
 * stops taking new connections when told to stop.
 */
export async function startPaydeskServer(options: StartOptions): Promise<RunningServer> {
  // A mistake in the proxy settings would silently trust no one (or the wrong one): refuse to start.
  parseProxyTrust(process.env.TRUSTED_PROXIES, process.env.TRUSTED_PROXY_HOPS);

  const { default: next } = await import("next");
  const app = next({
    dev: options.dev,
    dir: options.dir,
    hostname: options.hostname ?? "localhost",
    port: options.port,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  const toNext: NodeHandler = (req, res) => handle(req, res);
  // In development every request goes through Next, so edits to the webhook code hot-reload.
  const server = createPeerServer(options.dev ? toNext : withDirectRoutes(toNext));
  if (options.dev) {
    // Hot reload's websocket.
    const upgrade = app.getUpgradeHandler();
    server.on("upgrade", (req, socket, head) => {
      stampPeer(req);
      void upgrade(req, socket, head);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      // db/runtime.ts closes the database and exits; should nothing else end the process,
      // leave once the open requests are done, or after a grace period.
      void close().then(() => process.exit(0));
      setTimeout(() => process.exit(0), 10_000).unref();
    });
  }
  return { server, url, close };
}
