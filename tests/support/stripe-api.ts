import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fixture, stripeId } from "./stripe";

/**
 * A stateful local Stripe for the calls Paydesk makes (lib/providers/stripe/api.ts): payment
 * intents, refunds and disputes kept in maps, Idempotency-Key replay like Stripe's, and fault
 * injection. Point the SDK at it with STRIPE_SECRET_KEY=sk_test_x and STRIPE_API_BASE=url.
 */

export type Json = Record<string, unknown>;

/**
 * - `hang`: never answers and does nothing (the request is lost on the way in).
 * - `hang_after_accept`: does the operation (and stores the answer under the key), never answers.
 * - `error500`: answers 500 without doing anything.
 */
export type StripeFault = "hang" | "hang_after_accept" | "error500" | null;

export interface StripeApiRequest {
  method: string;
  /** The path without the query string ("/v1/refunds"). */
  path: string;
  query: URLSearchParams;
  idempotencyKey: string | null;
  authorization: string | null;
  form: URLSearchParams;
}

export interface StripeApiStandIn {
  url: string;
  intents: Map<string, Json>;
  refunds: Map<string, Json>;
  disputes: Map<string, Json>;
  /** Every request received, in order (faulty ones included). */
  requests: StripeApiRequest[];
  /** Status of the next refund POST /v1/refunds creates ("succeeded" unless set). */
  nextRefundStatus: string;
  /** Decides per request whether to misbehave; null (or returning null) behaves. */
  fault: ((req: StripeApiRequest) => StripeFault) | null;
  /** Stores a PaymentIntent (succeeded, 599.00 RUB captured unless overridden) and returns it. */
  putIntent(overrides?: Json): Json;
  /** Stores a refund on an intent as if Stripe had made it. */
  putRefund(overrides: Json & { payment_intent: string }): Json;
  /** Moves a refund to another status (e.g. "failed" with a failure_reason), as Stripe may later. */
  setRefundStatus(id: string, status: string, failureReason?: string): Json;
  putDispute(overrides: Json & { payment_intent: string }): Json;
  /** Requests received for a method and path ("POST", "/v1/refunds"). */
  count(method: string, path: string): number;
  /** Forgets all objects, requests, stored answers and faults. */
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

interface Stored {
  answer: Answer;
  /** What the key was first used for; another request under it is an idempotency error. */
  signature: string;
}

const now = () => Math.floor(Date.now() / 1000);

function error(status: number, type: string, message: string, extra: Json = {}): Answer {
  return { status, body: { error: { type, message, ...extra } } };
}

function missing(kind: string, id: string): Answer {
  return error(404, "invalid_request_error", `No such ${kind}: '${id}'`, {
    code: "resource_missing",
    param: "id",
  });
}

function list(url: string, all: Json[], query: URLSearchParams): Answer {
  const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 10) || 10));
  const after = query.get("starting_after");
  let start = 0;
  if (after) {
    const at = all.findIndex((o) => o.id === after);
    start = at < 0 ? all.length : at + 1;
  }
  const data = all.slice(start, start + limit);
  return {
    status: 200,
    body: { object: "list", url, has_more: start + limit < all.length, data },
  };
}

function metadataFrom(form: URLSearchParams): Record<string, string> {
  return Object.fromEntries(
    [...form.entries()]
      .filter(([k]) => k.startsWith("metadata[") && k.endsWith("]"))
      .map(([k, v]) => [k.slice("metadata[".length, -1), v]),
  );
}

export async function startStripeApiStandIn(): Promise<StripeApiStandIn> {
  const byKey = new Map<string, Stored>();
  const sockets = new Set<Socket>();

  /** Newest first, as Stripe lists. */
  const newestFirst = (objects: Iterable<Json>) =>
    [...objects]
      .map((object, at) => ({ object, at }))
      .sort((a, b) => Number(b.object.created ?? 0) - Number(a.object.created ?? 0) || b.at - a.at)
      .map(({ object }) => object);

  const refundedSoFar = (intentId: string) =>
    [...standIn.refunds.values()]
      .filter((r) => r.payment_intent === intentId && r.status !== "failed" && r.status !== "canceled")
      .reduce((sum, r) => sum + Number(r.amount ?? 0), 0);

  const standIn: StripeApiStandIn = {
    url: "",
    intents: new Map(),
    refunds: new Map(),
    disputes: new Map(),
    requests: [],
    nextRefundStatus: "succeeded",
    fault: null,
    putIntent(overrides = {}) {
      const intent: Json = {
        ...fixture("payment_intent"),
        id: stripeId("pi"),
        amount: 59_900,
        amount_capturable: 0,
        amount_received: 59_900,
        currency: "rub",
        status: "succeeded",
        capture_method: "automatic",
        last_payment_error: null,
        canceled_at: null,
        cancellation_reason: null,
        latest_charge: stripeId("ch"),
        created: now(),
        metadata: {},
        ...overrides,
      };
      standIn.intents.set(String(intent.id), intent);
      return intent;
    },
    putRefund(overrides) {
      const intent = standIn.intents.get(overrides.payment_intent);
      const refund: Json = {
        ...fixture("refund"),
        id: stripeId("re"),
        amount: intent?.amount_received ?? 59_900,
        currency: intent?.currency ?? "rub",
        charge: intent?.latest_charge ?? null,
        status: "succeeded",
        created: now(),
        metadata: {},
        ...overrides,
      };
      standIn.refunds.set(String(refund.id), refund);
      return refund;
    },
    setRefundStatus(id, status, failureReason) {
      const refund = standIn.refunds.get(id);
      if (!refund) throw new Error(`stand-in has no refund ${id}`);
      refund.status = status;
      if (failureReason !== undefined) refund.failure_reason = failureReason;
      if (status === "failed") refund.failure_balance_transaction = stripeId("txn");
      return refund;
    },
    putDispute(overrides) {
      const intent = standIn.intents.get(overrides.payment_intent);
      const dispute: Json = {
        ...fixture("dispute"),
        id: stripeId("dp"),
        amount: intent?.amount_received ?? 59_900,
        currency: intent?.currency ?? "rub",
        charge: intent?.latest_charge ?? null,
        created: now(),
        ...overrides,
      };
      standIn.disputes.set(String(dispute.id), dispute);
      return dispute;
    },
    count: (method, path) => standIn.requests.filter((r) => r.method === method && r.path === path).length,
    reset() {
      standIn.intents.clear();
      standIn.refunds.clear();
      standIn.disputes.clear();
      standIn.requests.length = 0;
      standIn.nextRefundStatus = "succeeded";
      standIn.fault = null;
      byKey.clear();
    },
    close: async () => {},
  };

  function createRefund(req: StripeApiRequest): Answer {
    const intentId = req.form.get("payment_intent") ?? "";
    const intent = standIn.intents.get(intentId);
    if (!intent) return missing("payment_intent", intentId);
    if (intent.status !== "succeeded") {
      return error(
        400,
        "invalid_request_error",
        `This PaymentIntent (${intentId}) does not have a successful charge to refund.`,
        { code: "charge_not_refundable" },
      );
    }
    const left = Number(intent.amount_received ?? 0) - refundedSoFar(intentId);
    const asked = req.form.has("amount") ? Number(req.form.get("amount")) : left;
    if (!Number.isSafeInteger(asked) || asked <= 0) {
      return error(400, "invalid_request_error", "Invalid positive integer", {
        code: "parameter_invalid_integer",
        param: "amount",
      });
    }
    if (asked > left) {
      return error(
        400,
        "invalid_request_error",
        left === 0
          ? `Charge ${String(intent.latest_charge)} has already been refunded.`
          : `Refund amount (${asked}) is greater than unrefunded amount on charge (${left})`,
        { code: "charge_already_refunded" },
      );
    }
    const refund = standIn.putRefund({
      payment_intent: intentId,
      amount: asked,
      status: standIn.nextRefundStatus,
      metadata: metadataFrom(req.form),
      reason: req.form.get("reason"),
    });
    return { status: 200, body: refund };
  }

  function unexpectedState(intent: Json, action: string, allowed: string[]): Answer {
    return error(
      400,
      "invalid_request_error",
      `This PaymentIntent could not be ${action} because it has a status of ${String(intent.status)}. Only a PaymentIntent with one of the following statuses may be ${action}: ${allowed.join(", ")}.`,
      { code: "payment_intent_unexpected_state", payment_intent: intent },
    );
  }

  function capture(id: string, form: URLSearchParams): Answer {
    const intent = standIn.intents.get(id);
    if (!intent) return missing("payment_intent", id);
    if (intent.status !== "requires_capture")
      return unexpectedState(intent, "captured", ["requires_capture"]);
    const capturable = Number(intent.amount_capturable || intent.amount);
    const amount = form.has("amount_to_capture") ? Number(form.get("amount_to_capture")) : capturable;
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > capturable) {
      return error(
        400,
        "invalid_request_error",
        `The amount_to_capture (${form.get("amount_to_capture")}) must be a positive integer no greater than the amount_capturable (${capturable}).`,
        { code: "amount_too_large", param: "amount_to_capture" },
      );
    }
    Object.assign(intent, { status: "succeeded", amount_received: amount, amount_capturable: 0 });
    return { status: 200, body: intent };
  }

  const CANCELABLE = [
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
  ];
  function cancel(id: string, form: URLSearchParams): Answer {
    const intent = standIn.intents.get(id);
    if (!intent) return missing("payment_intent", id);
    if (!CANCELABLE.includes(String(intent.status))) return unexpectedState(intent, "canceled", CANCELABLE);
    Object.assign(intent, {
      status: "canceled",
      canceled_at: now(),
      cancellation_reason: form.get("cancellation_reason"),
      amount_capturable: 0,
    });
    return { status: 200, body: intent };
  }

  function route(req: StripeApiRequest): Answer {
    const { method, path, query, form } = req;
    if (method === "GET") {
      const intentPath = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
      if (intentPath) {
        const id = decodeURIComponent(intentPath[1] ?? "");
        const intent = standIn.intents.get(id);
        return intent ? { status: 200, body: intent } : missing("payment_intent", id);
      }
      const refundPath = /^\/v1\/refunds\/([^/]+)$/.exec(path);
      if (refundPath) {
        const id = decodeURIComponent(refundPath[1] ?? "");
        const refund = standIn.refunds.get(id);
        return refund ? { status: 200, body: refund } : missing("refund", id);
      }
      if (path === "/v1/refunds" || path === "/v1/disputes") {
        const pi = query.get("payment_intent");
        const source = path === "/v1/refunds" ? standIn.refunds : standIn.disputes;
        const all = newestFirst([...source.values()].filter((o) => !pi || o.payment_intent === pi));
        return list(path, all, query);
      }
    }
    if (method === "POST") {
      if (path === "/v1/refunds") return createRefund(req);
      const m = /^\/v1\/payment_intents\/([^/]+)\/(capture|cancel)$/.exec(path);
      if (m) {
        const id = decodeURIComponent(m[1] ?? "");
        return m[2] === "capture" ? capture(id, form) : cancel(id, form);
      }
    }
    return error(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      const request: StripeApiRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        idempotencyKey: (req.headers["idempotency-key"] as string | undefined) ?? null,
        authorization: req.headers.authorization ?? null,
        form: new URLSearchParams(raw),
      };
      standIn.requests.push(request);
      const send = (answer: Answer, replayed = false) => {
        res.writeHead(answer.status, {
          "content-type": "application/json",
          "request-id": `req_${Math.random().toString(36).slice(2, 10)}`,
          ...(replayed ? { "idempotent-replayed": "true" } : {}),
        });
        res.end(JSON.stringify(answer.body));
      };
      if (!request.authorization?.startsWith("Bearer sk_")) {
        send(
          error(
            401,
            "invalid_request_error",
            "You did not provide an API key. You need to provide your API key in the Authorization header.",
          ),
        );
        return;
      }
      const fault = standIn.fault?.(request) ?? null;
      if (fault === "hang") return;
      if (fault === "error500") {
        send(error(500, "api_error", "Something went wrong on Stripe's end. (stand-in)"));
        return;
      }
      // Like Stripe: a key replays the first answer to the same request, refuses another one.
      const key = request.method === "POST" ? request.idempotencyKey : null;
      const signature = `${request.method} ${request.path} ${raw}`;
      const stored = key ? byKey.get(key) : undefined;
      let answer: Answer;
      let replayed = false;
      if (stored && stored.signature !== signature) {
        answer = error(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      } else if (stored) {
        answer = stored.answer;
        replayed = true;
      } else {
        answer = route(request);
        // A snapshot: later changes to the object do not change the stored answer.
        if (key && answer.status < 500) {
          answer = { status: answer.status, body: structuredClone(answer.body) };
          byKey.set(key, { answer, signature });
        }
      }
      if (fault === "hang_after_accept") return;
      send(answer, replayed);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  standIn.url = `http://127.0.0.1:${port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return standIn;
}
