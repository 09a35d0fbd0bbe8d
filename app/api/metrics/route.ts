import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import { getDatabase } from "@/db/runtime";
import { problem } from "@/lib/http/problem";
import { requestLogger } from "@/lib/log";
import { metricsAccess } from "@/lib/metrics/access";
import { scrape } from "@/lib/metrics/scrape";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const REALM = 'Bearer realm="paydesk-metrics"';

/**
 * Prometheus exposition (text format 0.0.4) for this instance: `Authorization: Bearer
 * <METRICS_TOKEN>`. 404 when METRICS_TOKEN is not set (metrics are off), 401 problem+json
 * for a missing or wrong token. A database that cannot be reached still gives a 200 with the
 * process's own metrics and `paydesk_scrape_query_success` at 0: the scrape itself says what
 * is missing, instead of the target going down with the database.
 */
export async function GET(req: Request): Promise<Response> {
  const access = metricsAccess(req.headers.get("authorization"));
  if (access === "off") {
    return problem(404, "Metrics are off", "Set METRICS_TOKEN to serve Prometheus metrics here.");
  }
  if (access !== "allowed") {
    const response = problem(
      401,
      "Unauthorized",
      access === "missing"
        ? "Send Authorization: Bearer <METRICS_TOKEN>."
        : "The bearer token is not this server's METRICS_TOKEN.",
    );
    response.headers.set(
      "www-authenticate",
      access === "missing" ? REALM : `${REALM}, error="invalid_token"`,
    );
    return response;
  }

  const log = requestLogger(req.headers.get("x-request-id")?.slice(0, 100) || randomUUID(), {
    route: "metrics",
  });
  let db: Db | null = null;
  try {
    db = (await getDatabase()).db;
  } catch (err) {
    log.error({ err }, "metrics: database unavailable");
  }
  const { body, contentType } = await scrape(db, log);
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}
