import type { Db } from "@/db/client";
import { type AuthenticatedKey, authenticateApiKey } from "../api-keys/authenticate";
import { consumeApiRequest } from "../api-keys/rate-limit";
import { appDb } from "../auth/current";
import { requestMetaFrom } from "../auth/request";
import { problem } from "../http/problem";
import { requestLogger } from "../log";
import { tooManyRequests, unauthorized } from "./responses";

export interface ApiRequestContext {
  db: Db;
  key: AuthenticatedKey;
  requestId: string;
}

/**
 * The gate every /api/v1 handler behind a key goes through: the key (401), its budget for
 * the minute (429), then the handler. Nothing a caller sends becomes a 500: handlers answer
 * 400/404 themselves, and only a fault on our side (the database gone) ends here as a 500
 * problem with a reference to the log line.
 */
export async function withApiKey(
  req: Request,
  handler: (ctx: ApiRequestContext) => Promise<Response>,
): Promise<Response> {
  const { requestId } = requestMetaFrom(req.headers);
  try {
    const db = await appDb();
    const auth = await authenticateApiKey(db, req.headers.get("authorization"));
    if (!auth.ok) return unauthorized(auth.reason);
    const rate = await consumeApiRequest(db, auth.key.id);
    if (!rate.allowed) return tooManyRequests(rate.limit, rate.retryAfterSeconds);
    const res = await handler({ db, key: auth.key, requestId });
    res.headers.set("x-ratelimit-limit", String(rate.limit));
    res.headers.set("x-ratelimit-remaining", String(rate.remaining));
    return res;
  } catch (err) {
    // Not the path: it can hold a customer's email.
    requestLogger(requestId, { component: "api" }).error({ err }, "api request failed");
    return problem(
      500,
      "Internal Server Error",
      `Something went wrong on our side. Reference: ${requestId}.`,
    );
  }
}
