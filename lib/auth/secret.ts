import fs from "node:fs";
import path from "node:path";

/**
 * The session signing secret: `AUTH_SECRET`, or in embedded mode the one generated at first
 * start and kept in `DATA_DIR/auth-secret` (see db/runtime.ts). Read per request so a proxy
 * or route module loaded before the database opened still finds it.
 */
export function authSecret(): string | undefined {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  if (process.env.DATABASE_URL) return undefined;
  const dir = path.resolve(/*turbopackIgnore: true*/ process.env.DATA_DIR || ".data");
  try {
    return (
      fs.readFileSync(path.join(/*turbopackIgnore: true*/ dir, "auth-secret"), "utf8").trim() || undefined
    );
  } catch {
    return undefined;
  }
}
