import { CommanderError } from "commander";
import { EmbeddedDatabaseLockedError } from "@/db/embedded-lock";
import { pgError } from "../db-errors";
import { isServiceError } from "../errors";

/** Runs a CLI entry point: one clear line and a non-zero exit on failure, never a stack trace. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      // Commander has already printed its one-line usage error (or the help text).
      if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
      console.error(`error: ${describeError(err)}`);
      process.exit(exitCodeFor(err));
    },
  );
}

export function describeError(err: unknown): string {
  if (isServiceError(err)) {
    const fields = Object.entries(err.fieldErrors)
      .filter(([, messages]) => messages.length)
      .map(([field, messages]) => `${field}: ${messages.join("; ")}`);
    const detail =
      fields.length && !fields.some((f) => f.endsWith(err.message)) ? ` (${fields.join(", ")})` : "";
    return `${err.message}${detail}`;
  }
  if (err instanceof EmbeddedDatabaseLockedError) return err.message;
  const e = err as { code?: string; message?: string };
  if (e?.code === "ECONNREFUSED")
    return "cannot reach the database (connection refused): is PostgreSQL running?";
  if (process.env.PAYDESK_DEBUG) console.error(err);
  // The database's own message, not the driver wrapper's "Failed query: <sql>".
  const message = pgError(err)?.message || e?.message || String(err);
  return message.split("\n")[0] ?? message;
}

export function exitCodeFor(err: unknown): number {
  if (isServiceError(err)) {
    return (
      { validation: 2, not_found: 3, forbidden: 4, invalid_transition: 5, idempotency_conflict: 6 }[
        err.code as string
      ] ?? 1
    );
  }
  if (err instanceof EmbeddedDatabaseLockedError) return 75;
  return 1;
}
