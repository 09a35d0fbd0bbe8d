import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bearerToken } from "@/lib/api-keys/authenticate";
import { apiRateLimitPerMinute, DEFAULT_API_RATE_LIMIT_PER_MINUTE } from "@/lib/api-keys/rate-limit";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "@/lib/api-keys/secret";

describe("API key material", () => {
  it("is pdk_ and 43 base64url characters (256 random bits), different every time", () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    for (const k of keys) {
      expect(k.key).toMatch(/^pdk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(k.key.slice(4), "base64url")).toHaveLength(32);
      expect(looksLikeApiKey(k.key)).toBe(true);
    }
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.keyHash)).size).toBe(keys.length);
  });

  it("shows a prefix of 6 random characters, and stores the SHA-256 hex of the whole key", () => {
    const k = generateApiKey();
    expect(k.prefix).toBe(k.key.slice(0, 10));
    expect(k.keyHash).toBe(createHash("sha256").update(k.key).digest("hex"));
    // A published SHA-256 test vector: the hash is the standard one, hex-encoded.
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(k.keyHash).not.toContain(k.key.slice(4));
  });

  it("recognises only the exact shape of a key", () => {
    const { key } = generateApiKey();
    for (const bad of [
      "",
      "pdk_",
      `${key}x`,
      key.slice(0, -1),
      key.replace("pdk_", "pk_"),
      ` ${key}`,
      `${key.slice(0, -1)}=`,
      `${key.slice(0, -1)}+`,
    ]) {
      expect(looksLikeApiKey(bad), bad).toBe(false);
    }
  });
});

describe("bearerToken", () => {
  it("reads the token of a Bearer header, the scheme in any case", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("BEARER   abc  ")).toBe("abc");
  });
  it("finds none in anything else", () => {
    for (const header of [null, "", "Bearer", "Bearer ", "Basic abc", "abc", "Bearer a b", "Bearerabc"]) {
      expect(bearerToken(header), String(header)).toBeNull();
    }
  });
});

describe("apiRateLimitPerMinute", () => {
  it("is 600 unless API_RATE_LIMIT_PER_MINUTE names a whole number ≥ 1", () => {
    expect(DEFAULT_API_RATE_LIMIT_PER_MINUTE).toBe(600);
    expect(apiRateLimitPerMinute({})).toBe(600);
    expect(apiRateLimitPerMinute({ API_RATE_LIMIT_PER_MINUTE: "5" })).toBe(5);
    expect(apiRateLimitPerMinute({ API_RATE_LIMIT_PER_MINUTE: " 1200 " })).toBe(1200);
    for (const bad of ["", "0", "-3", "1.5", "many", "Infinity"]) {
      expect(apiRateLimitPerMinute({ API_RATE_LIMIT_PER_MINUTE: bad }), bad).toBe(600);
    }
  });
});
