/**
 * Routes Paydesk's own server (lib/http/server.ts) answers itself, ahead of Next's request
 * pipeline: the provider webhooks, which need none of it (no page, no session, no proxy.ts, no
 * rewrites) and arrive hundreds a second. Next's routing, request wrapping and response piping
 * cost more CPU per delivery than verifying, storing and applying the event (bench:webhooks).
 *
 * The handlers are the same functions the route files export for `next start` and `next dev`;
 * instrumentation.ts registers them from Next's server bundle, so they share its modules (the
 * database, the logger, the metrics). The registry lives on globalThis because the server runs
 * outside that bundle, with its own copy of this module.
 *
 * No Node-only imports: the bundle loads it.
 */
export type DirectHandler = (req: Request) => Promise<Response>;

export interface DirectRoute {
  handler: DirectHandler;
  /**
   * The handler refuses bodies larger than this; the server reads at most one byte more, so a
   * huge body costs no more than that and the handler still gives its own answer (413).
   */
  maxBodyBytes: number;
}

const holder = globalThis as unknown as { __paydeskDirectRoutes?: Map<string, DirectRoute> };

/** Answers `POST <path>` with `route` in Paydesk's server (exact path, any query string). */
export function registerDirectPost(path: string, route: DirectRoute): void {
  holder.__paydeskDirectRoutes ??= new Map();
  holder.__paydeskDirectRoutes.set(path, route);
}

/** The route for this method and request target, when one is registered. */
export function directRouteFor(
  method: string | undefined,
  target: string | undefined,
): DirectRoute | undefined {
  const routes = holder.__paydeskDirectRoutes;
  if (!routes || method !== "POST" || !target) return undefined;
  const query = target.indexOf("?");
  return routes.get(query === -1 ? target : target.slice(0, query));
}
