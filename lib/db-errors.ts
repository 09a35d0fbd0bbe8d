/** Postgres error details, whichever driver (postgres.js, PGlite) and wrapper (drizzle) raised them. */
export interface PgErrorInfo {
  code?: string;
  constraint?: string;
  message: string;
}

export function pgError(err: unknown): PgErrorInfo | null {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as {
      code?: unknown;
      constraint?: unknown;
      constraint_name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
      const constraint = (e.constraint_name ?? e.constraint) as string | undefined;
      return { code: e.code, constraint, message: String(e.message ?? "") };
    }
    current = e.cause;
  }
  return null;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const info = pgError(err);
  return info?.code === "23505" && (!constraint || info.constraint === constraint);
}
