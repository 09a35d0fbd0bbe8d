import { hostname } from "node:os";
import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * LOG_LEVEL when it names a level; otherwise `info`, except under a test runner, where a
 * line per webhook and per failed sign-in would bury the test report (set LOG_LEVEL to see them).
 */
export function configuredLevel(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env.LOG_LEVEL?.trim().toLowerCase();
  if (wanted && LEVELS.has(wanted)) return wanted;
  return env.VITEST || env.NODE_ENV === "test" ? "silent" : "info";
}

/**
 * One JSON object per line on stdout: `level` as a word, `time` in ISO 8601, `msg`, and the
 * bindings of the child logger (`requestId`, `component`, …). No transports: they run in a
 * worker thread (thread-stream), which Next's bundling does not handle; stdout is collected by
 * whatever runs the process.
 */
export function createLogger(destination?: DestinationStream, level: string = configuredLevel()): Logger {
  return pino(
    {
      level,
      // Which instance wrote the line, when several run side by side.
      base: { service: "paydesk", pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Nothing should log these, but a future `log.info({ headers })` must not leak them.
      redact: {
        paths: [
          "password",
          "*.password",
          "authorization",
          "*.authorization",
          "secret",
          "*.secret",
          "headers.cookie",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

// Next bundles route handlers, server actions and instrumentation separately; one logger per
// process (and one place for tests to swap it) lives on globalThis.
const slot = globalThis as unknown as { __paydeskLogger?: Logger };

/** The process's base logger. */
export function logger(): Logger {
  slot.__paydeskLogger ??= createLogger();
  return slot.__paydeskLogger;
}

/** Replaces the base logger (tests capture lines with it); returns a function that restores the old one. */
export function setLogger(next: Logger): () => void {
  const previous = slot.__paydeskLogger;
  slot.__paydeskLogger = next;
  return () => {
    slot.__paydeskLogger = previous;
  };
}

/** A logger for one request: every line it (or a child of it) writes carries the request id. */
export function requestLogger(requestId: string, bindings: Record<string, unknown> = {}): Logger {
  return logger().child({ ...bindings, requestId });
}

/** A logger for a part of the app outside any request (a job, the relay): lines carry `component`. */
export function componentLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return logger().child({ ...bindings, component });
}
