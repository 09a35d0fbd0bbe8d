import { createHash } from "node:crypto";
import { isStorableJson, isStorableText } from "../validation/common";

/** The subject other systems publish to when one of their users is deleted. */
export const USER_DELETED_SUBJECT = "accounts.user.deleted";

/** A message as the consumer got it, independent of NATS (tests and retries build these). */
export interface ConsumedMessage {
  subject: string;
  /** `Nats-Msg-Id` when the publisher set one, else `<stream>:<stream sequence>`. */
  messageId: string;
  streamSeq?: number | null;
  body: Uint8Array | string;
}

/** Who is to be erased: the customer's external ref (`user_id`), or its email. */
export interface UserDeletedRequest {
  userId: string | null;
  /** Lower-cased and trimmed: customer emails are unique case-insensitively. */
  email: string | null;
}

export type ParsedUserDeleted =
  | { ok: true; request: UserDeletedRequest; payload: Record<string, unknown> }
  /** A poison message: parked with `reason`, keeping what can be kept to read it later. */
  | { ok: false; reason: string; payload: unknown; rawExcerpt: string | null };

const MAX_IDENTIFIER = 320;
const EXCERPT_CHARS = 1_000;

/** The first characters of a body that could not be read, as text Postgres can store. */
export function excerpt(text: string): string {
  const cut = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  return cut.replaceAll("\u0000", "\uFFFD").toWellFormed();
}

function bodyText(body: Uint8Array | string): string {
  return typeof body === "string" ? body : new TextDecoder().decode(body);
}

/**
 * Reads a `user.deleted` body: JSON `{ user_id?, email? }` with at least one of them a
 * non-empty string. Anything else is poison, with a reason a person can act on; it is never
 * retried, because the same bytes fail the same way every time.
 */
export function parseUserDeleted(body: Uint8Array | string): ParsedUserDeleted {
  const text = bodyText(body);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      // The parser quotes the body: keep the reason storable like the excerpt.
      reason: excerpt(`The body is not JSON (${(err as Error).message})`),
      payload: null,
      rawExcerpt: excerpt(text),
    };
  }
  // jsonb cannot hold everything JSON can (a NUL in a string): keep the text instead.
  const keep = (reason: string) =>
    isStorableJson(value)
      ? { ok: false as const, reason, payload: value, rawExcerpt: null }
      : { ok: false as const, reason, payload: null, rawExcerpt: excerpt(text) };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return keep(`The body is JSON but not an object (${kindOf(value)})`);
  }
  const payload = value as Record<string, unknown>;
  const userId = identifier(payload, "user_id");
  const email = identifier(payload, "email");
  if (isError(userId)) return keep(userId.error);
  if (isError(email)) return keep(email.error);
  if (userId === null && email === null) {
    return keep("The message names no user: it has neither user_id nor email");
  }
  if (email !== null && !/^[^@\s]+@[^@\s]+$/.test(email)) {
    return keep(`email "${email}" is not an email address`);
  }
  return {
    ok: true,
    request: { userId, email: email?.toLowerCase() ?? null },
    payload,
  };
}

/** A field that must be absent, null, or a non-empty string of a sane length. */
function identifier(payload: Record<string, unknown>, key: string): string | null | { error: string } {
  const raw = payload[key];
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string") return { error: `${key} must be a string, not ${kindOf(raw)}` };
  const value = raw.trim();
  if (value === "") return { error: `${key} is empty` };
  if (value.length > MAX_IDENTIFIER) return { error: `${key} is longer than ${MAX_IDENTIFIER} characters` };
  if (!isStorableText(value)) return { error: `${key} contains characters that cannot be stored` };
  return value;
}

function isError(value: string | null | { error: string }): value is { error: string } {
  return value !== null && typeof value === "object";
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * What a processed message keeps instead of the identifiers it carried: their SHA-256, so a
 * later message about the same (already erased) user is recognised without keeping who it was.
 */
export function identifierHashes(request: UserDeletedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  if (request.userId !== null) out.userIdSha256 = sha256(`user_id:${request.userId}`);
  if (request.email !== null) out.emailSha256 = sha256(`email:${request.email}`);
  return out;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** "user_id u-1 / email anna@example.com", for reasons people read. */
export function describeRequest(request: UserDeletedRequest): string {
  return [
    request.userId !== null ? `user_id ${request.userId}` : null,
    request.email !== null ? `email ${request.email}` : null,
  ]
    .filter(Boolean)
    .join(" / ");
}
