import { randomBytes } from "node:crypto";

/** A suffix that keeps every test's data its own on the shared database. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

export function uniqueEmail(prefix: string, domain = "example.com"): string {
  return `${prefix}-${uniqueSuffix()}@${domain}`;
}
