import { describe, expect, it } from "vitest";
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
} from "@/lib/auth/two-factor/recovery-codes";
import { openTotpSecret, sealTotpSecret } from "@/lib/auth/two-factor/secret-box";
import { matchingStep, newTotpSecret, otpauthUri, stepAt, totpCodeAt } from "@/lib/auth/two-factor/totp";

const KEY = "unit-test-auth-secret-0123456789abcdef";
// RFC 6238 appendix B's SHA-1 seed ("12345678901234567890") in base32.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("TOTP", () => {
  it("matches the RFC 6238 test vectors (6 digits of them)", () => {
    expect(totpCodeAt(RFC_SECRET, new Date(59_000))).toBe("287082");
    expect(totpCodeAt(RFC_SECRET, new Date(1_111_111_109_000))).toBe("081804");
    expect(totpCodeAt(RFC_SECRET, new Date(2_000_000_000_000))).toBe("279037");
  });

  it("accepts a code one step either side of now and nothing further", () => {
    const secret = newTotpSecret();
    const now = new Date("2026-05-01T12:00:10Z");
    const at = (seconds: number) => totpCodeAt(secret, new Date(now.getTime() + seconds * 1000));
    expect(matchingStep(secret, at(0), now, null)).toBe(stepAt(now));
    expect(matchingStep(secret, at(-30), now, null)).toBe(stepAt(now) - 1);
    expect(matchingStep(secret, at(30), now, null)).toBe(stepAt(now) + 1);
    expect(matchingStep(secret, at(-60), now, null)).toBeNull();
    expect(matchingStep(secret, at(60), now, null)).toBeNull();
  });

  it("refuses a replay: the accepted step and every earlier one", () => {
    const secret = newTotpSecret();
    const now = new Date("2026-05-01T12:00:10Z");
    const code = totpCodeAt(secret, now);
    const step = matchingStep(secret, code, now, null);
    expect(step).not.toBeNull();
    expect(matchingStep(secret, code, now, step)).toBeNull();
    expect(matchingStep(secret, totpCodeAt(secret, new Date(now.getTime() - 30_000)), now, step)).toBeNull();
    // The next step's code still works.
    const later = new Date(now.getTime() + 30_000);
    expect(matchingStep(secret, totpCodeAt(secret, later), later, step)).toBe(step! + 1);
  });

  it("takes the code with spaces, refuses anything but six digits", () => {
    const secret = newTotpSecret();
    const now = new Date();
    const code = totpCodeAt(secret, now);
    expect(matchingStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now, null)).toBe(stepAt(now));
    expect(matchingStep(secret, "12345", now, null)).toBeNull();
    expect(matchingStep(secret, "abcdef", now, null)).toBeNull();
  });

  it("builds an otpauth URI an authenticator app reads", () => {
    const uri = otpauthUri("anna@paydesk.test", "JBSWY3DPEHPK3PXP");
    expect(uri).toMatch(/^otpauth:\/\/totp\/Paydesk:anna%40paydesk\.test\?/);
    expect(new URL(uri).searchParams.get("secret")).toBe("JBSWY3DPEHPK3PXP");
    expect(new URL(uri).searchParams.get("issuer")).toBe("Paydesk");
  });
});

describe("secret encryption", () => {
  it("round-trips, and never stores the secret in the clear", () => {
    const secret = newTotpSecret();
    const sealed = sealTotpSecret(secret, KEY);
    expect(sealed).not.toContain(secret);
    expect(sealTotpSecret(secret, KEY)).not.toBe(sealed); // a fresh IV each time
    expect(openTotpSecret(sealed, KEY)).toBe(secret);
  });

  it("refuses a tampered ciphertext and another key", () => {
    const sealed = sealTotpSecret(newTotpSecret(), KEY);
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString("base64url");
    expect(() => openTotpSecret(parts.join("."), KEY)).toThrow();
    expect(() => openTotpSecret(sealed, `${KEY}-other`)).toThrow();
    expect(() => openTotpSecret("garbage", KEY)).toThrow(/unreadable/);
  });
});

describe("recovery codes", () => {
  it("makes ten distinct codes whose hash ignores case, spaces and dashes", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const code = codes[0]!;
    expect(hashRecoveryCode(code.toUpperCase().replace("-", " "))).toBe(hashRecoveryCode(code));
    expect(hashRecoveryCode(code)).not.toContain(code.replace("-", ""));
    expect(normaliseRecoveryCode("short")).toBeNull();
  });
});
