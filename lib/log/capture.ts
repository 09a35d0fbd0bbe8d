import { Writable } from "node:stream";
import { createLogger, setLogger } from "./index";

export interface CapturedLogs {
  /** Every line written since capture began, parsed. */
  lines: () => Record<string, unknown>[];
  restore: () => void;
}

/**
 * For tests: sends the base logger's lines (at `level`, default debug) into memory instead
 * of stdout, so a test can assert what was logged. Call `restore()` when done.
 */
export function captureLogs(level = "debug"): CapturedLogs {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const restore = setLogger(createLogger(sink, level));
  return {
    lines: () =>
      raw
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore,
  };
}
