import { createHash, randomBytes } from "node:crypto";

export const RECOVERY_CODE_COUNT = 10;

// No 0/O or 1/l/I: codes are read off paper and typed by hand.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Ten random codes like `k7m2p-x9q4r` (50 bits each): shown once, stored only as hashes. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(10);
    const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** What the user typed, without case, spaces or dashes; null when it cannot be a code. */
export function normaliseRecoveryCode(code: string): string | null {
  const plain = code.toLowerCase().replace(/[\s-]/g, "");
  return /^[a-z0-9]{10}$/.test(plain) ? plain : null;
}

/**
 * SHA-256 is enough here: the codes are random and long, so there is nothing to
 * brute-force from a hash the way there would be for a password.
 */
export function hashRecoveryCode(code: string): string {
  const plain = normaliseRecoveryCode(code) ?? code;
  return createHash("sha256").update(`paydesk-recovery:${plain}`).digest("hex");
}
