import { randomBytes } from "node:crypto";
import argon2 from "argon2";

// OWASP's argon2id baseline (19 MiB, 2 passes) keeps a sign-in well under 100 ms here.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A one-time password: 18 random bytes, URL-safe, shown once. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
