import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Stripe from "stripe";
import { PEER_HEADER, peerHeaderValue } from "@/lib/http/peer";

/** Stripe's own example objects (tests/fixtures/README.md, copied from ../shared/fixtures). */
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/stripe");

export const WEBHOOK_SECRET = "whsec_paydesk_test_secret";

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as T;
}

let seq = 0;
/** A unique Stripe-looking id (`evt_…`, `pi_…`, `re_…`). */
export function stripeId(prefix: string): string {
  seq++;
  return `${prefix}_test${Date.now().toString(36)}${seq.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** event.json with its type set and data.object replaced, as the fixtures README says. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = stripeId("evt")) {
  const event = fixture("event");
  return { ...event, id, type, created: Math.floor(Date.now() / 1000), data: { object } };
}

export function paymentIntent(overrides: Record<string, unknown> & { id: string }) {
  return {
    ...fixture("payment_intent"),
    amount: 59_900,
    amount_received: overrides.status && overrides.status !== "succeeded" ? 0 : (overrides.amount ?? 59_900),
    currency: "rub",
    status: "succeeded",
    last_payment_error: null,
    canceled_at: null,
    ...overrides,
  };
}

/** Stripe's PaymentIntent status right after each `payment_intent.*` event (its object carries it). */
export const INTENT_STATUS_AFTER: Readonly<Record<string, string>> = {
  "payment_intent.created": "requires_payment_method",
  "payment_intent.requires_action": "requires_action",
  "payment_intent.processing": "processing",
  "payment_intent.amount_capturable_updated": "requires_capture",
  "payment_intent.payment_failed": "requires_payment_method",
  "payment_intent.partially_funded": "requires_payment_method",
  "payment_intent.canceled": "canceled",
  "payment_intent.succeeded": "succeeded",
};

/**
 * The PaymentIntent a `payment_intent.*` event of `type` carries: its status is the one the
 * event reports (Paydesk reads the object's status, not the event's type), a declined attempt
 * keeps its `last_payment_error`, a cancellation its reason, an authorisation its capturable
 * amount. `overrides` win.
 */
export function paymentIntentFor(type: string, overrides: Record<string, unknown> & { id: string }) {
  const status = INTENT_STATUS_AFTER[type];
  if (!status) throw new Error(`${type} is not a payment_intent event`);
  const amount = (overrides.amount as number | undefined) ?? 59_900;
  return paymentIntent({
    status,
    ...(type === "payment_intent.payment_failed"
      ? {
          last_payment_error: {
            type: "card_error",
            code: "card_declined",
            decline_code: "generic_decline",
            message: "Your card was declined.",
          },
        }
      : {}),
    ...(status === "canceled"
      ? { cancellation_reason: "requested_by_customer", canceled_at: Math.floor(Date.now() / 1000) }
      : {}),
    ...(status === "requires_capture" ? { amount_capturable: amount, capture_method: "manual" } : {}),
    ...overrides,
  });
}

export function refundObject(overrides: Record<string, unknown> & { id: string; payment_intent: string }) {
  return { ...fixture("refund"), currency: "rub", status: "succeeded", ...overrides };
}

export function chargeObject(overrides: Record<string, unknown> & { payment_intent: string }) {
  return { ...fixture("charge"), id: stripeId("ch"), currency: "rub", ...overrides };
}

export function disputeObject(overrides: Record<string, unknown> & { payment_intent: string }) {
  return { ...fixture("dispute"), id: stripeId("dp"), currency: "rub", ...overrides };
}

export function signature(payload: string, options: { timestamp?: number; secret?: string } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    timestamp: options.timestamp,
  });
}

/** A POST to the webhook route as Stripe sends it (signed, unless `signature: null`). */
export function webhookRequest(
  body: unknown,
  options: { signature?: string | null; timestamp?: number; secret?: string; ip?: string } = {},
): Request {
  const payload = typeof body === "string" ? body : (JSON.stringify(body, null, 2) ?? "");
  const headers = new Headers({
    "content-type": "application/json; charset=utf-8",
    "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    [PEER_HEADER]: peerHeaderValue(options.ip ?? "203.0.113.10"),
  });
  const sig = options.signature === undefined ? signature(payload, options) : options.signature;
  if (sig !== null) headers.set("stripe-signature", sig);
  return new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers, body: payload });
}

export interface StandInRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  authorization: string | null;
  form: URLSearchParams;
}

export type StandInReply =
  | { status: number; body: unknown }
  /**
   * Never answer (the client's timeout decides). With `accepted`, the refund was made and only
   * the answer is lost: a retry with the same Idempotency-Key gets `accepted` back.
   */
  | { hang: true; accepted?: { status: number; body: unknown } };

export interface StripeStandIn {
  url: string;
  requests: StandInRequest[];
  /** Decides each answer; the default makes a refund like Stripe does (same key → same refund). */
  reply: (req: StandInRequest) => StandInReply | Promise<StandInReply>;
  /** A refund as Stripe answers it, for `reply` implementations. */
  refund(req: StandInRequest, overrides?: Record<string, unknown>): { status: number; body: unknown };
  close(): Promise<void>;
}

/**
 * A small local Stripe for `POST /v1/refunds`: answers like Stripe (a refund object, or an
 * error object), replays the first answer for a repeated Idempotency-Key, or hangs.
 */
export async function startStripeStandIn(): Promise<StripeStandIn> {
  const byKey = new Map<string, { status: number; body: unknown }>();
  const sockets = new Set<import("node:net").Socket>();
  const standIn: StripeStandIn = {
    url: "",
    requests: [],
    reply: (req) => standIn.refund(req),
    refund: (req, overrides = {}) => {
      const created = {
        ...fixture("refund"),
        id: stripeId("re"),
        amount: Number(req.form.get("amount")),
        currency: "rub",
        payment_intent: req.form.get("payment_intent"),
        status: "succeeded",
        metadata: Object.fromEntries(
          [...req.form.entries()]
            .filter(([k]) => k.startsWith("metadata["))
            .map(([k, v]) => [k.slice("metadata[".length, -1), v]),
        ),
        ...overrides,
      };
      return { status: 200, body: created };
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", async () => {
      const request: StandInRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        idempotencyKey: (req.headers["idempotency-key"] as string | undefined) ?? null,
        authorization: (req.headers.authorization as string | undefined) ?? null,
        form: new URLSearchParams(raw),
      };
      standIn.requests.push(request);
      if (request.method !== "POST" || request.path !== "/v1/refunds") {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ error: { type: "invalid_request_error", message: "Unrecognized request URL" } }),
        );
        return;
      }
      const replayed = request.idempotencyKey ? byKey.get(request.idempotencyKey) : undefined;
      const answer = replayed ?? (await standIn.reply(request));
      if ("hang" in answer) {
        if (answer.accepted && request.idempotencyKey) byKey.set(request.idempotencyKey, answer.accepted);
        return;
      }
      if (request.idempotencyKey && !replayed && answer.status < 500)
        byKey.set(request.idempotencyKey, answer);
      res.writeHead(answer.status, {
        "content-type": "application/json",
        "request-id": `req_${Math.random().toString(36).slice(2, 10)}`,
        ...(replayed ? { "idempotent-replayed": "true" } : {}),
      });
      res.end(JSON.stringify(answer.body));
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
