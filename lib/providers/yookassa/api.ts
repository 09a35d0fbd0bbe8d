import { z } from "zod";
import { parseAmount } from "@/lib/money/money";
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
}

export interface YooKassaRefund {
  id: string;
  paymentId: string;
  status: YooKassaRefundStatus;
  amount: YooKassaMoney;
  description: string | null;
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
  return {
    id: r.id,
    paymentId: r.payment_id,
    status: r.status,
    amount: money(r.amount, "refund amount"),
    description: r.description ?? null,
  };
}
