import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { authSecret } from "../auth/secret";

/** An HMAC key for audit checkpoints and the name stored with each signature (`key_id`). */
export interface CheckpointKey {
  id: string;
  key: Buffer;
}

/** A short public name for a key: enough to tell keys apart, useless for forging. */
function fingerprint(key: Buffer): string {
  return createHash("sha256")
    .update("paydesk audit checkpoint key id")
    .update(key)
    .digest("hex")
    .slice(0, 16);
}

function envKey(raw: string, source: string): CheckpointKey {
  const key = Buffer.from(raw, "utf8");
  return { id: `${source}:${fingerprint(key)}`, key };
}

/**
 * The key new checkpoints are signed with: `AUDIT_CHECKPOINT_KEY`, else one derived from the
 * session secret with HKDF (so a deployment with AUTH_SECRET needs nothing more). Either way it
 * lives outside the database, where the app's database role cannot read it. Null when neither
 * is available.
 */
export function checkpointSigningKey(): CheckpointKey | null {
  const explicit = process.env.AUDIT_CHECKPOINT_KEY?.trim();
  if (explicit) return envKey(explicit, "env");
  const secret = authSecret();
  if (!secret) return null;
  const key = Buffer.from(hkdfSync("sha256", secret, "paydesk", "audit-checkpoint v1", 32));
  return { id: `auth-secret:${fingerprint(key)}`, key };
}

/**
 * Every key a stored checkpoint may carry: the signing key plus retired ones from
 * `AUDIT_CHECKPOINT_PREVIOUS_KEYS` (comma-separated), so rotating the key keeps old
 * checkpoints verifiable.
 */
export function checkpointVerifyKeys(): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const current = checkpointSigningKey();
  if (current) keys.set(current.id, current.key);
  for (const raw of (process.env.AUDIT_CHECKPOINT_PREVIOUS_KEYS ?? "").split(",")) {
    if (!raw.trim()) continue;
    const k = envKey(raw.trim(), "env");
    keys.set(k.id, k.key);
  }
  return keys;
}

export function hmacHex(key: Buffer, content: string): string {
  return createHmac("sha256", key).update(content).digest("hex");
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
