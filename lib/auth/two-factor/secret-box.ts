import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { authSecret } from "../secret";

// Bump when the key derivation or layout changes; old ciphertexts then fail loudly instead
// of decrypting to garbage.
const VERSION = "v1";
const INFO = "paydesk totp secret v1";

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "paydesk-two-factor", INFO, 32));
}

function requireSecret(secret: string | undefined): string {
  const s = secret ?? authSecret();
  if (!s) throw new Error("AUTH_SECRET is not available: cannot protect two-factor secrets");
  return s;
}

/**
 * Encrypts a TOTP secret for storage (AES-256-GCM, key derived from AUTH_SECRET by HKDF).
 * A copy of the database alone does not yield the secrets that mint codes.
 */
export function sealTotpSecret(plain: string, secret?: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(requireSecret(secret)), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** Reverses sealTotpSecret; throws when the text was altered or sealed under another key. */
export function openTotpSecret(sealed: string, secret?: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined)
    throw new Error("unreadable two-factor secret");
  const decipher = createDecipheriv(
    "aes-256-gcm",
    keyFrom(requireSecret(secret)),
    Buffer.from(iv, "base64url"),
  );
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
