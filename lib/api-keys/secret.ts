import { createHash, randomBytes } from "node:crypto";

/** Every key starts so: people and secret scanners recognise a leaked Paydesk key. */
export const API_KEY_PREFIX = "pdk_";

/** How much of the key the list shows: the prefix and 6 random characters (36 of 256 bits). */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 6;

/** 32 random bytes in base64url: 43 characters. Anything else in a Bearer header is not a key. */
const KEY_SHAPE = /^pdk_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  /** Shown once to whoever created it; never stored, logged or audited. */
  key: string;
  /** `pdk_AbCdEf`: enough to tell keys apart in the list, far too little to guess the rest. */
  prefix: string;
  keyHash: string;
}

export function generateApiKey(): NewApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, DISPLAY_LENGTH), keyHash: hashApiKey(key) };
}

/**
 * SHA-256 hex of the whole key. A slow password hash (argon2) protects low-entropy secrets
 * people choose; these keys carry 256 random bits, so a leaked table cannot be brute-forced
 * anyway, and a fast, deterministic hash lets one indexed lookup find the key (`key_hash` is
 * unique) on every API request without spending ~50 ms of CPU on it.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Whether a presented token could be one of our keys at all (spares the database the rest). */
export function looksLikeApiKey(token: string): boolean {
  return KEY_SHAPE.test(token);
}
