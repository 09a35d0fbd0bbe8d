import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { componentLogger, configuredLevel, createLogger, logger, requestLogger, setLogger } from "@/lib/log";
import { captureLogs } from "@/lib/log/capture";

let restore: (() => void) | null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

describe("lib/log", () => {
  it("every line of a request carries its request id, children and bindings included", () => {
    const logs = captureLogs("info");
    restore = logs.restore;

    const log = requestLogger("req-42", { route: "test" });
    log.info("first");
    log.child({ step: "inner" }).warn({ n: 1 }, "second");
    log.error({ err: new Error("boom") }, "third");
    // Another request at the same time keeps its own id.
    requestLogger("req-43").info("other");

    const lines = logs.lines();
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ["first", "req-42"],
      ["second", "req-42"],
      ["third", "req-42"],
      ["other", "req-43"],
    ]);
    expect(lines[1]).toMatchObject({ level: "warn", route: "test", step: "inner", n: 1 });
    expect(lines[2]).toMatchObject({ level: "error", err: { type: "Error", message: "boom" } });
    expect((lines[2]!.err as { stack: string }).stack).toContain("boom");
  });

  it("writes one JSON object per line: level word, ISO time, service, message", () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const log = createLogger(sink, "info");
    log.info({ password: "hunter2", nested: { authorization: "Bearer x", secret: "whsec_x" } }, "hello");
    log.debug("below the level");
    const text = chunks.join("");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: "info", service: "paydesk", pid: process.pid, msg: "hello" });
    expect(new Date(line.time).toISOString()).toBe(line.time);
    // Secrets a careless call might pass are never written.
    expect(line.password).toBe("[redacted]");
    expect(line.nested).toEqual({ authorization: "[redacted]", secret: "[redacted]" });
  });

  it("component loggers name their part of the app", () => {
    const logs = captureLogs();
    restore = logs.restore;
    componentLogger("scheduler", { job: "reconcile" }).error("reconcile failed");
    expect(logs.lines()[0]).toMatchObject({ component: "scheduler", job: "reconcile", level: "error" });
  });

  const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

  it("LOG_LEVEL sets the level; silent under a test runner unless set; an unknown level is ignored", () => {
    expect(configuredLevel(env({ VITEST: "true" }))).toBe("silent");
    expect(configuredLevel(env({ NODE_ENV: "test" }))).toBe("silent");
    expect(configuredLevel(env({ VITEST: "true", LOG_LEVEL: "debug" }))).toBe("debug");
    expect(configuredLevel(env({ LOG_LEVEL: " WARN " }))).toBe("warn");
    expect(configuredLevel(env({}))).toBe("info");
    expect(configuredLevel(env({ LOG_LEVEL: "loud" }))).toBe("info");
    // This run: no LOG_LEVEL → the default logger writes nothing into the test output.
    if (!process.env.LOG_LEVEL) expect(logger().level).toBe("silent");
  });

  it("setLogger swaps the base logger and gives back the previous one", () => {
    const before = logger();
    const other = createLogger(undefined, "silent");
    const undo = setLogger(other);
    expect(logger()).toBe(other);
    undo();
    expect(logger()).toBe(before);
  });
});
