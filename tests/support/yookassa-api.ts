import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { formatMinor, parseAmount } from "@/lib/money/money";

/**
 * A stateful local YooKassa API v3 (basic auth, Idempotence-Key replay, fault injection) for
 * the calls in lib/providers/yookassa/api.ts. Point Paydesk at it with YOOKASSA_SHOP_ID,
 * YOOKASSA_SECRET_KEY (YOOKASSA_TEST_SHOP_ID / _SECRET_KEY below) and YOOKASSA_API_BASE=url.
 */

export const YOOKASSA_TEST_SHOP_ID = "100500";
export const YOOKASSA_TEST_SECRET_KEY = "test_secret_key_yookassa";

export type Json = Record<string, unknown>;
export type YooKassaAmount = { value: string; currency: string };

/** As in tests/support/stripe-api.ts: lost request, lost answer (work done), or a 500. */
export type YooKassaFault = "hang" | "hang_after_accept" | "error500" | null;

export interface YooKassaApiRequest {
  method: string;
  /** Without the query string ("/v3/refunds"). */
  path: string;
  query: URLSearchParams;
  idempotenceKey: string | null;
  authorization: string | null;
  /** The parsed JSON body (null for GET or an unreadable body). */
  body: Json | null;
}

export interface YooKassaApiStandIn {
  url: string;
  payments: Map<string, Json>;
  refunds: Map<string, Json>;
  requests: YooKassaApiRequest[];
  /** Status of the next refund POST /v3/refunds creates ("succeeded" unless set). */
  nextRefundStatus: "pending" | "succeeded" | "canceled";
  /** Refunds per page of GET /v3/refunds (at most the request's `limit`). */
  pageSize: number;
  fault: ((req: YooKassaApiRequest) => YooKassaFault) | null;
  /** Stores a payment (succeeded, 599.00 RUB unless overridden) and returns it. */
  putPayment(overrides?: {
    id?: string;
    status?: "pending" | "waiting_for_capture" | "succeeded" | "canceled";
    amount?: YooKassaAmount;
    metadata?: Record<string, string>;
    paid?: boolean;
    test?: boolean;
    [field: string]: unknown;
  }): Json;
  /** Stores a refund of a payment as if YooKassa had made it. */
  putRefund(overrides: {
    payment_id: string;
    id?: string;
    status?: "pending" | "succeeded" | "canceled";
    amount?: YooKassaAmount;
    [field: string]: unknown;
  }): Json;
  count(method: string, path: string): number;
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/yookassa");
const fixtureObject = (name: string): Json =>
  (JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as { object: Json }).object;

function error(status: number, code: string, description: string, parameter?: string): Answer {
  return {
    status,
    body: { type: "error", id: randomUUID(), code, description, ...(parameter ? { parameter } : {}) },
  };
}

const notFound = () => error(404, "not_found", "Incorrect object id");

function minor(amount: unknown): { minor: bigint; currency: string } | null {
  const a = amount as YooKassaAmount | undefined;
  if (!a || typeof a.value !== "string" || typeof a.currency !== "string") return null;
  const parsed = parseAmount(a.value, a.currency);
  return parsed.ok ? { minor: parsed.minor, currency: a.currency } : null;
}

export async function startYooKassaApiStandIn(
  credentials: { shopId?: string; secretKey?: string } = {},
): Promise<YooKassaApiStandIn> {
  const expectedAuth = `Basic ${Buffer.from(
    `${credentials.shopId ?? YOOKASSA_TEST_SHOP_ID}:${credentials.secretKey ?? YOOKASSA_TEST_SECRET_KEY}`,
  ).toString("base64")}`;
  const byKey = new Map<string, { answer: Answer; signature: string }>();
  const sockets = new Set<Socket>();
  const paymentFixture = fixtureObject("payment.succeeded.json");
  const refundFixture = fixtureObject("refund.succeeded.json");

  const refundedSoFar = (paymentId: string): bigint =>
    [...standIn.refunds.values()]
      .filter((r) => r.payment_id === paymentId && r.status !== "canceled")
      .reduce((sum, r) => sum + (minor(r.amount)?.minor ?? 0n), 0n);

  const standIn: YooKassaApiStandIn = {
    url: "",
    payments: new Map(),
    refunds: new Map(),
    requests: [],
    nextRefundStatus: "succeeded",
    pageSize: 100,
    fault: null,
    putPayment(overrides = {}) {
      const status = overrides.status ?? "succeeded";
      const amount = overrides.amount ?? { value: "599.00", currency: "RUB" };
      const payment: Json = {
        ...structuredClone(paymentFixture),
        id: randomUUID(),
        status,
        paid: status === "succeeded" || status === "waiting_for_capture",
        amount,
        income_amount: amount,
        refunded_amount: { value: formatMinor(0n, amount.currency), currency: amount.currency },
        created_at: new Date().toISOString(),
        metadata: {},
        test: true,
        ...(status === "succeeded" ? {} : { captured_at: undefined }),
        ...(status === "canceled"
          ? { cancellation_details: { party: "merchant", reason: "canceled_by_merchant" } }
          : {}),
        ...overrides,
      };
      if (payment.captured_at === undefined) delete payment.captured_at;
      standIn.payments.set(String(payment.id), payment);
      return payment;
    },
    putRefund(overrides) {
      const payment = standIn.payments.get(overrides.payment_id);
      const refund: Json = {
        ...structuredClone(refundFixture),
        id: randomUUID(),
        status: "succeeded",
        amount: payment?.amount ?? { value: "599.00", currency: "RUB" },
        created_at: new Date().toISOString(),
        ...overrides,
      };
      standIn.refunds.set(String(refund.id), refund);
      if (payment) {
        const currency = String((payment.amount as YooKassaAmount).currency);
        payment.refunded_amount = {
          value: formatMinor(refundedSoFar(String(payment.id)), currency),
          currency,
        };
      }
      return refund;
    },
    count: (method, p) => standIn.requests.filter((r) => r.method === method && r.path === p).length,
    reset() {
      standIn.payments.clear();
      standIn.refunds.clear();
      standIn.requests.length = 0;
      standIn.nextRefundStatus = "succeeded";
      standIn.pageSize = 100;
      standIn.fault = null;
      byKey.clear();
    },
    close: async () => {},
  };

  function createRefund(body: Json | null): Answer {
    const paymentId = typeof body?.payment_id === "string" ? body.payment_id : "";
    if (!paymentId)
      return error(400, "invalid_request", "Missing required parameter: payment_id", "payment_id");
    const payment = standIn.payments.get(paymentId);
    if (!payment) return notFound();
    if (payment.status !== "succeeded") {
      return error(
        400,
        "invalid_request",
        `Payment ${paymentId} is in status ${String(payment.status)}: only a succeeded payment can be refunded`,
        "payment_id",
      );
    }
    const asked = minor(body?.amount);
    const total = minor(payment.amount);
    if (!asked || !total || asked.minor <= 0n) {
      return error(400, "invalid_request", "Invalid amount value", "amount.value");
    }
    if (asked.currency !== total.currency) {
      return error(
        400,
        "invalid_request",
        "Refund currency differs from the payment currency",
        "amount.currency",
      );
    }
    const left = total.minor - refundedSoFar(paymentId);
    if (asked.minor > left) {
      return error(
        400,
        "invalid_request",
        `Refund amount exceeds what is left to refund on payment ${paymentId} (${formatMinor(left, total.currency)} ${total.currency})`,
        "amount.value",
      );
    }
    const refund = standIn.putRefund({
      payment_id: paymentId,
      status: standIn.nextRefundStatus,
      amount: { value: formatMinor(asked.minor, asked.currency), currency: asked.currency },
      ...(typeof body?.description === "string"
        ? { description: body.description }
        : { description: undefined }),
      ...(standIn.nextRefundStatus === "canceled"
        ? { cancellation_details: { party: "yoo_money", reason: "rejected_by_payee" } }
        : {}),
    });
    if (refund.description === undefined) delete refund.description;
    return { status: 200, body: refund };
  }

  function capture(id: string, body: Json | null): Answer {
    const payment = standIn.payments.get(id);
    if (!payment) return notFound();
    if (payment.status !== "waiting_for_capture") {
      return error(
        400,
        "invalid_request",
        `Payment ${id} is in status ${String(payment.status)}: only a payment waiting_for_capture can be captured`,
      );
    }
    const held = minor(payment.amount);
    const asked = body?.amount === undefined ? held : minor(body.amount);
    if (
      !held ||
      !asked ||
      asked.currency !== held.currency ||
      asked.minor <= 0n ||
      asked.minor > held.minor
    ) {
      return error(
        400,
        "invalid_request",
        "The amount to capture must not exceed the payment amount",
        "amount",
      );
    }
    const amount = { value: formatMinor(asked.minor, asked.currency), currency: asked.currency };
    Object.assign(payment, {
      status: "succeeded",
      paid: true,
      amount,
      income_amount: amount,
      captured_at: new Date().toISOString(),
    });
    return { status: 200, body: payment };
  }

  function cancel(id: string): Answer {
    const payment = standIn.payments.get(id);
    if (!payment) return notFound();
    if (payment.status !== "waiting_for_capture" && payment.status !== "pending") {
      return error(
        400,
        "invalid_request",
        `Payment ${id} is in status ${String(payment.status)}: it cannot be canceled`,
      );
    }
    Object.assign(payment, {
      status: "canceled",
      paid: false,
      cancellation_details: { party: "merchant", reason: "canceled_by_merchant" },
    });
    return { status: 200, body: payment };
  }

  function listRefunds(query: URLSearchParams): Answer {
    const paymentId = query.get("payment_id");
    const all = [...standIn.refunds.values()].filter((r) => !paymentId || r.payment_id === paymentId);
    const limit = Math.min(standIn.pageSize, Number(query.get("limit") ?? 10) || 10);
    const start = Number(query.get("cursor") ?? 0) || 0;
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? { next_cursor: String(start + limit) } : {};
    return { status: 200, body: { type: "list", items, ...next } };
  }

  function route(req: YooKassaApiRequest): Answer {
    const { method, path: p, query, body } = req;
    if (method === "GET") {
      const m = /^\/v3\/(payments|refunds)\/([^/]+)$/.exec(p);
      if (m) {
        const object = (m[1] === "payments" ? standIn.payments : standIn.refunds).get(
          decodeURIComponent(m[2] ?? ""),
        );
        return object ? { status: 200, body: object } : notFound();
      }
      if (p === "/v3/refunds") return listRefunds(query);
    }
    if (method === "POST") {
      if (p === "/v3/refunds") return createRefund(body);
      const m = /^\/v3\/payments\/([^/]+)\/(capture|cancel)$/.exec(p);
      if (m) {
        const id = decodeURIComponent(m[1] ?? "");
        return m[2] === "capture" ? capture(id, body) : cancel(id);
      }
    }
    return error(404, "not_found", `Unknown endpoint ${method} ${p}`);
  }

  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      let body: Json | null = null;
      try {
        body = raw ? (JSON.parse(raw) as Json) : null;
      } catch {
        body = null;
      }
      const request: YooKassaApiRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        idempotenceKey: (req.headers["idempotence-key"] as string | undefined) ?? null,
        authorization: req.headers.authorization ?? null,
        body,
      };
      standIn.requests.push(request);
      const send = (answer: Answer) => {
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer.body));
      };
      if (request.authorization !== expectedAuth) {
        send(error(401, "invalid_credentials", "Basic auth failed"));
        return;
      }
      if (request.method === "POST" && !request.idempotenceKey) {
        send(error(400, "invalid_request", "Idempotence key is missing", "Idempotence-Key"));
        return;
      }
      if (request.method === "POST" && raw && body === null) {
        send(error(400, "invalid_request", "The request body is not JSON"));
        return;
      }
      const fault = standIn.fault?.(request) ?? null;
      if (fault === "hang") return;
      if (fault === "error500") {
        send(error(500, "internal_server_error", "Internal server error (stand-in)"));
        return;
      }
      // Same key and body: the first answer again; same key, another request: refused.
      const key = request.method === "POST" ? request.idempotenceKey : null;
      const signature = `${request.path} ${JSON.stringify(body)}`;
      const stored = key ? byKey.get(key) : undefined;
      let answer: Answer;
      if (stored && stored.signature !== signature) {
        answer = error(400, "invalid_request", "Idempotence key duplicated", "Idempotence-Key");
      } else if (stored) {
        answer = stored.answer;
      } else {
        answer = route(request);
        if (key && answer.status < 500) {
          answer = { status: answer.status, body: structuredClone(answer.body) };
          byKey.set(key, { answer, signature });
        }
      }
      if (fault === "hang_after_accept") return;
      send(answer);
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
