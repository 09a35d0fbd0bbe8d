/**
 * Keyset cursors as they travel in URLs: base64url of a small JSON object naming the boundary
 * row. Each list owns its payload's keys and checks their values; this only does the transport,
 * so every list's cursors keep their exact bytes.
 */

const MAX_CURSOR_LENGTH = 512;
const CURSOR_SHAPE = /^[A-Za-z0-9_-]+$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The cursor for a payload; its keys keep their order, which is part of the cursor's bytes. */
export function encodeCursorPayload(payload: object): string {
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/** The JSON object a cursor carries, or null when it is not one (too long, not base64url, not JSON). */
export function decodeCursorPayload(cursor: string | null): Record<string, unknown> | null {
  if (!cursor || cursor.length > MAX_CURSOR_LENGTH || !CURSOR_SHAPE.test(cursor)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return null;
  return payload as Record<string, unknown>;
}

/** Whether a string is exactly `Date#toISOString()` of a real instant (what encoders write). */
export function isIsoMillis(v: string): boolean {
  if (!ISO_MS.test(v)) return false;
  const t = new Date(v);
  return !Number.isNaN(t.getTime()) && t.toISOString() === v;
}
