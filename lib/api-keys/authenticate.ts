import { and, eq, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys } from "@/db/schema";
import { hashApiKey, looksLikeApiKey } from "./secret";

export interface AuthenticatedKey {
  id: string;
  name: string;
}

export type Authentication =
  | { ok: true; key: AuthenticatedKey }
  /** `missing`: no Bearer credentials at all; `invalid`: credentials that are no live key. */
  | { ok: false; reason: "missing" | "invalid" };

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 9110). */
export function bearerToken(header: string | null): string | null {
  const match = header ? /^\s*bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * Finds the live key a request presents and counts the use, in one statement: no window
 * between "is it valid" and "count it", and a key revoked a moment ago matches nothing
 * (a revocation that commits first makes this UPDATE see `revoked_at` set).
 */
export async function authenticateApiKey(
  db: Queryable,
  authorization: string | null,
): Promise<Authentication> {
  const token = bearerToken(authorization);
  if (token === null) return { ok: false, reason: "missing" };
  if (!looksLikeApiKey(token)) return { ok: false, reason: "invalid" };
  const [key] = await db
    .update(apiKeys)
    .set({ useCount: sql`${apiKeys.useCount} + 1`, lastUsedAt: sql`now()` })
    .where(and(eq(apiKeys.keyHash, hashApiKey(token)), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, name: apiKeys.name });
  return key ? { ok: true, key } : { ok: false, reason: "invalid" };
}
