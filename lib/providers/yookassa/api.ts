import { z } from "zod";
import { ServiceError } from "@/lib/errors";
import { formatMinor, parseAmount } from "@/lib/money/money";
import { callProvider } from "../breaker";
import { ProviderCallError } from "../call-error";
import { type YooKassaConfig, yookassaConfig } from "./config";

/**
 * Why the API gave no usable answer. `not_found` is an answer (the id is not YooKassa's);
 * the others are outages or setup errors that a later retry or replay can get past.
 */
export type YooKassaApiErrorKind =
  | "not_configured"
  | "unavailable"
  | "unauthorized"
  | "not_found"
  | "invalid";

export class YooKassaApiError extends Error {
  override name = "YooKassaApiError";
  constructor(
    readonly kind: YooKassaApiErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function isYooKassaApiError(err: unknown): err is YooKassaApiError {
  return err instanceof YooKassaApiError;
}

/** Ids YooKassa issues (uuid-like); anything else never reaches a URL. */
export const YOOKASSA_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const amountSchema = z.object({
  value: z.string().max(40),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency is not an ISO 4217 code"),
});

export const yookassaPaymentStatuses = ["pending", "waiting_for_capture", "succeeded", "canceled"] as const;
export type YooKassaPaymentStatus = (typeof yookassaPaymentStatuses)[number];

const paymentSchema = z.object({
  id: z.string().regex(YOOKASSA_ID),
  status: z.enum(yookassaPaymentStatuses),
  paid: z.boolean().optional(),
  amount: amountSchema,
  description: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  payment_method: z.object({ type: z.string() }).loose().optional(),
  cancellation_details: z.object({ party: z.string(), reason: z.string() }).loose().optional(),
  income_amount: amountSchema.nullish(),
  captured_at: z.string().max(64).nullish(),
  test: z.boolean().optional(),
});

export const yookassaRefundStatuses = ["pending", "succeeded", "canceled"] as const;
export type YooKassaRefundStatus = (typeof yookassaRefundStatuses)[number];

const refundSchema = z.object({
  id: z.string().regex(YOOKASSA_ID),
  payment_id: z.string().regex(YOOKASSA_ID),
  status: z.enum(yookassaRefundStatuses),
  amount: amountSchema,
  description: z.string().optional(),
  cancellation_details: z.object({ party: z.string(), reason: z.string() }).loose().optional(),
});

export interface YooKassaMoney {
  minor: bigint;
  currency: string;
  /** The decimal string as YooKassa wrote it ("599.00"). */
  value: string;
}

export interface YooKassaPayment {
  id: string;
  status: YooKassaPaymentStatus;
  paid: boolean;
  amount: YooKassaMoney;
  description: string | null;
  /** YooKassa metadata values are strings; anything else is dropped. */
  metadata: Record<string, string>;
  methodType: string | null;
  cancellation: { party: string; reason: string } | null;
  test: boolean;
  /** What the shop receives after YooKassa's fee (`income_amount`), when YooKassa says. */
  incomeAmount: YooKassaMoney | null;
  capturedAt: string | null;
}

export interface YooKassaRefund {
  id: string;
  paymentId: string;
  status: YooKassaRefundStatus;
  amount: YooKassaMoney;
  description: string | null;
  /** Why a `canceled` refund was canceled (`cancellation_details`). */
  cancellation: { party: string; reason: string } | null;
}

function money(raw: z.infer<typeof amountSchema>, what: string): YooKassaMoney {
  const parsed = parseAmount(raw.value, raw.currency);
  if (!parsed.ok) {
    throw new YooKassaApiError("invalid", `YooKassa ${what} "${raw.value} ${raw.currency}": ${parsed.error}`);
  }
  return { minor: parsed.minor, currency: raw.currency, value: raw.value };
}

async function getObject(path: string, config: YooKassaConfig): Promise<unknown> {
  if (!config.shopId || !config.secretKey) {
    throw new YooKassaApiError(
      "not_configured",
      "YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY are not set: cannot confirm the notification with the YooKassa API",
    );
  }
  const auth = Buffer.from(`${config.shopId}:${config.secretKey}`).toString("base64");
  let res: Response;
  let body: string;
  try {
    res = await fetch(`${config.apiBase}${path}`, {
      headers: { authorization: `Basic ${auth}`, accept: "application/json" },
      signal: AbortSignal.timeout(config.apiTimeoutMs),
      redirect: "error",
      cache: "no-store",
    });
    body = await res.text();
  } catch (err) {
    const e = err as Error;
    const why = e.name === "TimeoutError" ? `no answer within ${config.apiTimeoutMs} ms` : e.message;
    throw new YooKassaApiError("unavailable", `YooKassa API GET ${path}: ${why}`);
  }
  if (res.status === 404) throw new YooKassaApiError("not_found", `YooKassa has no ${path}`, 404);
  if (res.status === 401 || res.status === 403) {
    throw new YooKassaApiError(
      "unauthorized",
      `YooKassa API refused the credentials (HTTP ${res.status}): check YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY`,
      res.status,
    );
  }
  if (!res.ok) {
    throw new YooKassaApiError(
      "unavailable",
      `YooKassa API GET ${path}: HTTP ${res.status} ${describeError(body)}`.trim(),
      res.status,
    );
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new YooKassaApiError("invalid", `YooKassa API GET ${path}: the answer is not JSON`, res.status);
  }
}

/** YooKassa errors are `{ type: "error", code, description }`. */
function describeError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { description?: unknown; code?: unknown };
    const text = typeof parsed.description === "string" ? parsed.description : parsed.code;
    return typeof text === "string" ? text.slice(0, 200) : "";
  } catch {
    return "";
  }
}

function invalid(path: string, error: z.ZodError): YooKassaApiError {
  const first = error.issues[0];
  const where = first?.path.length ? `${first.path.join(".")}: ` : "";
  return new YooKassaApiError(
    "invalid",
    `YooKassa API GET ${path}: unexpected answer (${where}${first?.message})`,
  );
}

function requireId(id: string): string {
  if (!YOOKASSA_ID.test(id))
    throw new YooKassaApiError("not_found", `"${id.slice(0, 80)}" is not a YooKassa id`);
  return id;
}

/** The payment as YooKassa has it now: the only status a notification is allowed to apply. */
export async function fetchYooKassaPayment(
  id: string,
  config: YooKassaConfig = yookassaConfig(),
): Promise<YooKassaPayment> {
  const path = `/v3/payments/${requireId(id)}`;
  const parsed = paymentSchema.safeParse(await getObject(path, config));
  if (!parsed.success) throw invalid(path, parsed.error);
  const p = parsed.data;
  if (p.id !== id)
    throw new YooKassaApiError("invalid", `YooKassa API GET ${path}: answered for payment ${p.id}`);
  return toPayment(p);
}

function toPayment(p: z.infer<typeof paymentSchema>): YooKassaPayment {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) {
    if (typeof value === "string") metadata[key] = value;
  }
  return {
    id: p.id,
    status: p.status,
    paid: p.paid ?? false,
    amount: money(p.amount, "amount"),
    description: p.description ?? null,
    metadata,
    methodType: p.payment_method?.type ?? null,
    cancellation: p.cancellation_details
      ? { party: p.cancellation_details.party, reason: p.cancellation_details.reason }
      : null,
    test: p.test ?? false,
    incomeAmount: p.income_amount ? money(p.income_amount, "income amount") : null,
    capturedAt: p.captured_at ?? null,
  };
}

export async function fetchYooKassaRefund(
  id: string,
  config: YooKassaConfig = yookassaConfig(),
): Promise<YooKassaRefund> {
  const path = `/v3/refunds/${requireId(id)}`;
  const parsed = refundSchema.safeParse(await getObject(path, config));
  if (!parsed.success) throw invalid(path, parsed.error);
  const r = parsed.data;
  if (r.id !== id)
    throw new YooKassaApiError("invalid", `YooKassa API GET ${path}: answered for refund ${r.id}`);
  return toRefund(r);
}

function toRefund(r: z.infer<typeof refundSchema>): YooKassaRefund {
  return {
    id: r.id,
    paymentId: r.payment_id,
    status: r.status,
    amount: money(r.amount, "refund amount"),
    description: r.description ?? null,
    cancellation: r.cancellation_details
      ? { party: r.cancellation_details.party, reason: r.cancellation_details.reason }
      : null,
  };
}

// ---------------------------------------------------------------------------------------
// Calls that change something at YooKassa (and the refund list), through the YooKassa circuit
// breaker. They throw ProviderCallError: `unknown` (maybe done: retry with the same
// Idempotence-Key), `not_sent`, `refused` (YooKassa's description), `not_found`.

export interface CreateYooKassaRefundInput {
  paymentId: string;
  /** Minor units (ISO 4217) of `currency`. */
  amountMinor: bigint;
  currency: string;
  /** Same key for a retry of the same Paydesk refund: YooKassa then answers with the first refund. */
  idempotenceKey: string;
  description?: string;
}

export interface CaptureYooKassaPaymentInput {
  paymentId: string;
  /** Capture less than authorised; the whole payment when absent. */
  amountMinor?: bigint;
  currency: string;
  idempotenceKey: string;
}

export interface CancelYooKassaPaymentInput {
  paymentId: string;
  idempotenceKey: string;
}

/** Pause before the one retry of an `unknown` outcome (same key, so it cannot act twice). */
const RETRY_DELAY_MS = 200;
/** Refund pages followed at most (100 refunds each): a guard against a cursor that never ends. */
const MAX_PAGES = 100;

interface ApiRequest {
  method: "GET" | "POST";
  path: string;
  /** How the call reads in a message: "the refund of payment X". */
  action: string;
  body?: unknown;
  idempotenceKey?: string;
}

const listSchema = z.object({
  items: z.array(z.unknown()),
  next_cursor: z.string().max(512).optional(),
});

function callConfig(config: YooKassaConfig | undefined): YooKassaConfig {
  let resolved: YooKassaConfig;
  try {
    resolved = config ?? yookassaConfig();
  } catch (err) {
    throw new ProviderCallError(
      "yookassa",
      "not_sent",
      `${(err as Error).message}: nothing was sent to YooKassa`,
    );
  }
  if (!resolved.shopId || !resolved.secretKey) {
    throw new ProviderCallError(
      "yookassa",
      "not_sent",
      "YooKassa is not configured (YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY are not set): nothing was sent",
    );
  }
  return resolved;
}

function callId(id: string): string {
  if (!YOOKASSA_ID.test(id)) {
    throw new ProviderCallError("yookassa", "not_found", `"${id.slice(0, 80)}" is not a YooKassa id`);
  }
  return id;
}

function decimal(amountMinor: bigint, currency: string): { value: string; currency: string } {
  if (amountMinor <= 0n) throw ServiceError.field("amount", "The amount must be more than zero");
  return { value: formatMinor(amountMinor, currency), currency };
}

/** One HTTP exchange with YooKassa, its outcome mapped; no retry, no breaker. */
async function exchange(request: ApiRequest, config: YooKassaConfig): Promise<unknown> {
  const auth = Buffer.from(`${config.shopId}:${config.secretKey}`).toString("base64");
  const headers: Record<string, string> = { authorization: `Basic ${auth}`, accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.idempotenceKey) headers["idempotence-key"] = request.idempotenceKey;
  let res: Response;
  let body: string;
  try {
    res = await fetch(`${config.apiBase}${request.path}`, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(config.apiTimeoutMs),
      redirect: "error",
      cache: "no-store",
    });
    body = await res.text();
  } catch (err) {
    const e = err as Error;
    const why = e.name === "TimeoutError" ? `no answer within ${config.apiTimeoutMs} ms` : e.message;
    throw new ProviderCallError(
      "yookassa",
      "unknown",
      `YooKassa did not answer (${request.action}: ${why}); it may have been carried out. Check or retry with the same idempotence key.`,
    );
  }
  const status = res.status;
  const description = describeError(body);
  if (status === 401) {
    throw new ProviderCallError(
      "yookassa",
      "refused",
      "YooKassa API refused the credentials (HTTP 401): check YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY",
      401,
    );
  }
  if (status === 404) {
    throw new ProviderCallError(
      "yookassa",
      "not_found",
      `YooKassa has no such object (${request.action})${description ? `: ${description}` : ""}`,
      404,
    );
  }
  if (status === 429) {
    throw new ProviderCallError(
      "yookassa",
      "not_sent",
      `YooKassa is rate limiting Paydesk (${request.action}); nothing was done. Try again shortly.`,
      429,
    );
  }
  if (status >= 400 && status < 500) {
    throw new ProviderCallError(
      "yookassa",
      "refused",
      `YooKassa refused ${request.action}: ${description || `HTTP ${status}`}`,
      status,
    );
  }
  // 5xx, and 202 ("still processing, ask again with the same key"): the outcome is open.
  if (status < 200 || status >= 300 || status === 202) {
    throw new ProviderCallError(
      "yookassa",
      "unknown",
      `YooKassa could not finish ${request.action} (HTTP ${status}${description ? ` ${description}` : ""}); it may have been carried out. Check or retry with the same idempotence key.`,
      status,
    );
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw unreadable(request, "the answer is not JSON", status);
  }
}

function unreadable(request: ApiRequest, why: string, status: number | null = null): ProviderCallError {
  return new ProviderCallError(
    "yookassa",
    "unknown",
    `YooKassa answered ${request.action} with something Paydesk cannot read (${why}); check the object at YooKassa`,
    status,
  );
}

/** The request through the breaker, retried once with the same key when the outcome is unknown. */
function send(request: ApiRequest, config: YooKassaConfig): Promise<unknown> {
  return callProvider("yookassa", async () => {
    try {
      return await exchange(request, config);
    } catch (err) {
      if (!(err instanceof ProviderCallError && err.outcome === "unknown")) throw err;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return exchange(request, config);
    }
  });
}

function read<S extends z.ZodType, T>(
  request: ApiRequest,
  schema: S,
  raw: unknown,
  map: (value: z.infer<S>) => T,
): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    throw unreadable(request, `${where}${first?.message}`);
  }
  try {
    return map(parsed.data);
  } catch (err) {
    if (err instanceof ProviderCallError) throw err;
    throw unreadable(request, (err as Error).message);
  }
}

/** Refunds (part of) a payment: POST /v3/refunds. The same key returns the first refund. */
export async function createYooKassaRefund(
  input: CreateYooKassaRefundInput,
  config?: YooKassaConfig,
): Promise<YooKassaRefund> {
  const paymentId = callId(input.paymentId);
  const amount = decimal(input.amountMinor, input.currency);
  const cfg = callConfig(config);
  const request: ApiRequest = {
    method: "POST",
    path: "/v3/refunds",
    action: `the refund of payment ${paymentId}`,
    body: {
      payment_id: paymentId,
      amount,
      ...(input.description ? { description: input.description } : {}),
    },
    idempotenceKey: input.idempotenceKey,
  };
  return read(request, refundSchema, await send(request, cfg), (r) => {
    if (r.payment_id !== paymentId)
      throw unreadable(request, `refund ${r.id} is for payment ${r.payment_id}`);
    return toRefund(r);
  });
}

/** Takes an authorised (`waiting_for_capture`) payment, all of it or `amountMinor`. */
export async function captureYooKassaPayment(
  input: CaptureYooKassaPaymentInput,
  config?: YooKassaConfig,
): Promise<YooKassaPayment> {
  const paymentId = callId(input.paymentId);
  const body = input.amountMinor === undefined ? {} : { amount: decimal(input.amountMinor, input.currency) };
  const cfg = callConfig(config);
  const request: ApiRequest = {
    method: "POST",
    path: `/v3/payments/${paymentId}/capture`,
    action: `the capture of payment ${paymentId}`,
    body,
    idempotenceKey: input.idempotenceKey,
  };
  return read(request, paymentSchema, await send(request, cfg), (p) => {
    if (p.id !== paymentId) throw unreadable(request, `answered for payment ${p.id}`);
    return toPayment(p);
  });
}

/** Releases an authorised (`waiting_for_capture`) payment. */
export async function cancelYooKassaPayment(
  input: CancelYooKassaPaymentInput,
  config?: YooKassaConfig,
): Promise<YooKassaPayment> {
  const paymentId = callId(input.paymentId);
  const cfg = callConfig(config);
  const request: ApiRequest = {
    method: "POST",
    path: `/v3/payments/${paymentId}/cancel`,
    action: `the cancellation of payment ${paymentId}`,
    body: {},
    idempotenceKey: input.idempotenceKey,
  };
  return read(request, paymentSchema, await send(request, cfg), (p) => {
    if (p.id !== paymentId) throw unreadable(request, `answered for payment ${p.id}`);
    return toPayment(p);
  });
}

/** Every refund YooKassa has on a payment (GET /v3/refunds?payment_id=…, all pages). */
export async function listYooKassaRefunds(
  paymentId: string,
  config?: YooKassaConfig,
): Promise<YooKassaRefund[]> {
  const id = callId(paymentId);
  const cfg = callConfig(config);
  const all: YooKassaRefund[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ payment_id: id, limit: "100" });
    if (cursor) query.set("cursor", cursor);
    const request: ApiRequest = {
      method: "GET",
      path: `/v3/refunds?${query}`,
      action: `the list of refunds of payment ${id}`,
    };
    const list = read(request, listSchema, await send(request, cfg), (l) => l);
    for (const item of list.items) {
      all.push(read(request, refundSchema, item, toRefund));
    }
    if (!list.next_cursor || list.next_cursor === cursor) return all;
    cursor = list.next_cursor;
  }
  throw new ProviderCallError(
    "yookassa",
    "unknown",
    `YooKassa listed more than ${MAX_PAGES} pages of refunds of payment ${id}; stopped`,
  );
}
