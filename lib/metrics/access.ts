import { createHash, timingSafeEqual } from "node:crypto";

export type MetricsAccess = "allowed" | "off" | "missing" | "wrong";

/**
 * Who may scrape: `Authorization: Bearer <METRICS_TOKEN>`. Without METRICS_TOKEN metrics are
 * off (the route answers 404), so a fresh install exposes nothing. Both sides are hashed before
 * the constant-time comparison: timingSafeEqual needs equal lengths, and comparing lengths
 * first would tell a guesser the token's length.
 */
export function metricsAccess(
  authorization: string | null,
  token = process.env.METRICS_TOKEN?.trim(),
): MetricsAccess {
  if (!token) return "off";
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) return "missing";
  return timingSafeEqual(digest(match[1]!), digest(token)) ? "allowed" : "wrong";
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
