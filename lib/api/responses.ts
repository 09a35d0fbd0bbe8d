import { problem } from "../http/problem";

/** Answers of /api/v1 are about one customer at one moment: no cache may keep them. */
export const NO_STORE = { "cache-control": "no-store" } as const;

const REALM = 'Bearer realm="paydesk"';

/**
 * 401 with the challenge RFC 6750 asks for. A missing key gets the bare challenge; a key
 * that is unknown, malformed or revoked gets `error="invalid_token"` and the same text
 * either way, so the answer never tells a guesser which keys once existed.
 */
export function unauthorized(reason: "missing" | "invalid"): Response {
  const res =
    reason === "missing"
      ? problem(401, "Unauthorized", "Send an API key: `Authorization: Bearer pdk_…`.")
      : problem(401, "Unauthorized", "The API key is not valid: it is unknown or has been revoked.");
  res.headers.set(
    "www-authenticate",
    reason === "missing" ? REALM : `${REALM}, error="invalid_token", error_description="invalid API key"`,
  );
  return res;
}

export function tooManyRequests(limit: number, retryAfterSeconds: number): Response {
  const res = problem(
    429,
    "Too Many Requests",
    `This API key may make ${limit} requests a minute. Try again in ${retryAfterSeconds} s.`,
  );
  res.headers.set("retry-after", String(retryAfterSeconds));
  res.headers.set("x-ratelimit-limit", String(limit));
  res.headers.set("x-ratelimit-remaining", "0");
  return res;
}
