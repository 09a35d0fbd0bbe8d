import { and, eq } from "drizzle-orm";
import { WebhookVerificationError } from "standardwebhooks";
import type { Db } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import { type RequestMeta, requestMetaFrom } from "@/lib/auth/request";
import { problem } from "@/lib/http/problem";
import { requestLogger } from "@/lib/log";
import { isDatabaseUnavailable, WebhookUnavailableError } from "@/lib/webhooks/errors";
import { ingestWebhook } from "@/lib/webhooks/ingest";
import { recordRejectedDelivery } from "@/lib/webhooks/rejections";
import { isAllowedSource, type YooKassaConfig, YooKassaConfigError, yookassaConfig } from "./config";
import { withLookup, YooKassaLookup } from "./lookup";
import { isHandledEvent, notificationKey, parseNotification } from "./notification";

/** Notifications are a few kilobytes; anything far larger is not one. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ReceiveDeps {
  database: () => Promise<Db>;
}

/**
 * `POST /api/webhooks/yookassa`. YooKassa signs nothing, so a notification is only a hint:
 * its source must be an allowed address (and, with a secret set, carry a Standard Webhooks
 * HMAC), and the handler acts on what the YooKassa API says, never on the body.
 *
 * Answers: 200 stored (or a duplicate); 400 not a notification, 413 too large (both audited
 * like refusals, rate-limited); 403 refused source or
 * signature; 409 the API does not confirm the notification yet (stored, unsettled: YooKassa
 * redelivers any non-200 and the redelivery applies it once the API agrees); 503 the
 * YooKassa API or the database could not be reached (stored as failed when possible, and
 * retried on redelivery).
 */
export async function receiveYooKassaNotification(req: Request, deps: ReceiveDeps): Promise<Response> {
  const meta = requestMetaFrom(req.headers);
  let config: YooKassaConfig;
  try {
    config = yookassaConfig();
  } catch (err) {
    if (!(err instanceof YooKassaConfigError)) throw err;
    requestLogger(meta.requestId, { provider: "yookassa" }).error({ err }, "webhook: configuration invalid");
    return problem(503, "YooKassa notifications are not configured", "The receiver's settings are invalid.");
  }

  const refuse = async (reason: string) => {
    await rejectionRecorded(deps, meta, reason);
    return problem(403, "Forbidden", reason);
  };
  if (!isAllowedSource(config.allowedRanges, meta.ip)) {
    return refuse(`Source address ${meta.ip ?? "(unknown)"} is not an allowed YooKassa address`);
  }

  const badRequest = async (status: 400 | 413, detail: string) => {
    await rejectionRecorded(deps, meta, detail);
    return problem(status, status === 413 ? "Payload too large" : "Bad request", detail);
  };
  let raw: string | null;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch {
    return badRequest(400, "The body could not be read");
  }
  if (raw === null) return badRequest(413, `A notification is at most ${MAX_BODY_BYTES} bytes`);

  let verification = "ip-allowlist";
  if (config.hmac) {
    try {
      config.hmac.verify(raw, headerRecord(req.headers), { jsonParse: false });
      verification = "ip-allowlist+hmac";
    } catch (err) {
      const why = err instanceof WebhookVerificationError ? err.message : "invalid signature headers";
      return refuse(`Webhook signature refused: ${why}`);
    }
  }

  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return badRequest(400, "The body is not JSON");
  }
  const parsed = parseNotification(payload);
  if (!parsed.ok) return badRequest(400, parsed.reason);
  const notification = parsed.notification;

  let db: Db;
  try {
    db = await deps.database();
  } catch (err) {
    requestLogger(meta.requestId, { provider: "yookassa" }).error({ err }, "webhook: database unavailable");
    return unavailable("The database is unavailable");
  }

  const lookup = new YooKassaLookup(config);
  const delivery = {
    provider: "yookassa" as const,
    eventId: notificationKey(notification),
    type: notification.event,
    payload,
    verification,
  };
  try {
    // The API is asked before any transaction opens (see YooKassaLookup); a copy of an
    // event already settled needs no answer from it.
    if (isHandledEvent(notification.event) && !(await isSettled(db, delivery.eventId))) {
      await lookup.prefetch(notification);
    }
    const result = await withLookup(lookup, () => ingestWebhook(db, delivery, meta));
    if (result.outcome === "failed") {
      if (lookup.unconfirmed) {
        return problem(409, "Not confirmed by YooKassa", lookup.unconfirmed.message, {
          eventId: result.eventRowId,
        });
      }
      if (lookup.apiFailure) {
        requestLogger(meta.requestId, { provider: "yookassa" }).error(
          { eventId: delivery.eventId, err: lookup.apiFailure },
          "webhook: provider API unavailable",
        );
        return unavailable(
          "The YooKassa API could not confirm the notification; it is stored and retried on redelivery",
        );
      }
      // Stored as failed with its error, for the event log and a replay: YooKassa has
      // delivered, and retrying cannot fix what a replay after a fix will.
      requestLogger(meta.requestId, { provider: "yookassa" }).warn(
        { eventId: delivery.eventId, reason: result.reason ?? null },
        "webhook event failed",
      );
    }
    return Response.json(
      { received: true, duplicate: result.duplicate, outcome: result.outcome, eventId: result.eventRowId },
      { headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    if (err instanceof WebhookUnavailableError || isDatabaseUnavailable(err)) {
      requestLogger(meta.requestId, { provider: "yookassa" }).error(
        { err, eventId: delivery.eventId },
        "webhook: database unavailable",
      );
      return unavailable("The database is unavailable");
    }
    throw err;
  }
}

function unavailable(detail: string): Response {
  const response = problem(503, "Service unavailable", detail);
  response.headers.set("retry-after", "60");
  return response;
}

async function isSettled(db: Db, eventId: string): Promise<boolean> {
  const [row] = await db
    .select({ outcome: webhookEvents.outcome })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.provider, "yookassa"), eq(webhookEvents.eventId, eventId)));
  return row?.outcome === "processed" || row?.outcome === "ignored";
}

async function rejectionRecorded(deps: ReceiveDeps, meta: RequestMeta, reason: string): Promise<void> {
  try {
    await recordRejectedDelivery(await deps.database(), "yookassa", meta, reason);
  } catch (err) {
    // Refusing does not depend on the database; only its record does.
    requestLogger(meta.requestId, { provider: "yookassa" }).error(
      { err, reason },
      "webhook: rejection not audited",
    );
  }
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/** The body as text, or null when it exceeds `max` bytes (read no further than that). */
async function readBody(req: Request, max: number): Promise<string | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > max) return null;
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
