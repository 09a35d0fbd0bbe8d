import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  generateSecret,
  ROTATION_OVERLAP_MS,
  signatureHeader,
  signedHeaders,
  signingSecrets,
} from "@/lib/outbound/signature";

/**
 * A receiver's verification written from the Standard Webhooks spec alone (not the package
 * Paydesk signs with): HMAC-SHA256 over `${id}.${timestamp}.${body}` keyed with the base64
 * bytes after `whsec_`; the header holds space-separated `v1,<base64>` signatures, any of
 * which may match.
 */
function independentlyVerifies(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key)
    .update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`, "utf8")
    .digest();
  return (headers["webhook-signature"] ?? "").split(" ").some((versioned) => {
    const [version, signature] = versioned.split(",");
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe("outbound webhook signatures", () => {
  // The published vector (standard-webhooks' own library tests; HMAC-SHA256 recomputed by hand
  // gives the same). Note the lower-case "tmIK": a copy with "tMIK" circulates and is wrong.
  it("match the Standard Webhooks specification's test vector", () => {
    const header = signatureHeader(
      ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      new Date(1614265330 * 1000),
      '{"test": 2432232314}',
    );
    expect(header).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    // The independent verifier accepts the vector too.
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    expect(
      independentlyVerifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, '{"test": 2432232314}'),
    ).toBe(true);
  });

  it("builds the headers: id, unix-seconds timestamp, signature, JSON content type", () => {
    const at = new Date("2026-03-01T10:00:00.999Z");
    const headers = signedHeaders(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "evt_1", at, "{}");
    expect(headers).toEqual({
      "webhook-id": "evt_1",
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
      "content-type": "application/json",
    });
    expect(headers["webhook-timestamp"]).toBe("1772359200");
  });

  it("verify with an independent HMAC verifier, and fail for another secret, body, id or time", () => {
    const secret = generateSecret();
    const other = generateSecret();
    const at = new Date("2026-03-01T10:00:00.000Z");
    for (const body of ['{"a":1}', JSON.stringify({ name: "Анна ✓ 🎉", n: 2 ** 53 }), ""]) {
      const headers = { ...signedHeaders([secret], "evt_x", at, body) };
      expect(independentlyVerifies(secret, headers, body)).toBe(true);
      expect(independentlyVerifies(other, headers, body)).toBe(false);
      expect(independentlyVerifies(secret, headers, `${body} `)).toBe(false);
      expect(independentlyVerifies(secret, { ...headers, "webhook-id": "evt_y" }, body)).toBe(false);
      expect(
        independentlyVerifies(secret, { ...headers, "webhook-timestamp": String(1772359201) }, body),
      ).toBe(false);
    }
  });

  it("during a rotation carry two signatures, each verifying with its own secret", () => {
    const current = generateSecret();
    const previous = generateSecret();
    const now = new Date();
    const body = JSON.stringify({ id: "evt", type: "payment.completed" });
    const endpoint = {
      secret: current,
      previousSecret: previous,
      previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS),
    };
    const headers = { ...signedHeaders(signingSecrets(endpoint, now), "evt_rot", now, body) };
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);

    // A receiver still on the old secret and one already on the new one both accept it…
    expect(independentlyVerifies(previous, headers, body)).toBe(true);
    expect(independentlyVerifies(current, headers, body)).toBe(true);
    expect(independentlyVerifies(generateSecret(), headers, body)).toBe(false);
    // …and so does the reference library (it checks the timestamp against the real clock).
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow(/signature/i);
  });

  it("sign with the previous secret only until its overlap ends", () => {
    const now = new Date("2026-03-01T10:00:00.000Z");
    const endpoint = {
      secret: "whsec_new",
      previousSecret: "whsec_old",
      previousSecretExpiresAt: new Date(now.getTime() + 1),
    };
    expect(signingSecrets(endpoint, now)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(endpoint, new Date(now.getTime() + 1))).toEqual(["whsec_new"]);
    expect(signingSecrets({ ...endpoint, previousSecret: null }, now)).toEqual(["whsec_new"]);
    expect(ROTATION_OVERLAP_MS).toBe(24 * 3_600_000);
  });

  it("generates whsec_ secrets of 32 random bytes, never the same twice", () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    }
  });
});
