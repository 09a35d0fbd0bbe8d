import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, EmbeddedDatabaseLockedError } from "@/db/embedded-lock";

/** Lock-level races the process tests in migrate.test.ts cannot time precisely. */
describe("embedded database directory lock", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "paydesk-lock-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Leaves the directory as a crashed holder would: its lock and owner note, a pid that no longer runs. */
  function crashedHolder(ageMs: number) {
    const lock = path.join(dir, "paydesk.lock");
    fs.mkdirSync(lock);
    const then = new Date(Date.now() - ageMs);
    fs.utimesSync(lock, then, then);
    fs.writeFileSync(
      path.join(dir, "lock-owner.json"),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: os.hostname(),
        command: "crashed",
        since: then.toISOString(),
      }),
    );
  }

  it("refuses a second holder in the same process tree at once, naming the first", async () => {
    const release = await acquireDataDirLock(dir);
    const started = Date.now();
    const err = await acquireDataDirLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedDatabaseLockedError);
    expect((err as Error).message).toContain(`process ${process.pid}`);
    expect(Date.now() - started).toBeLessThan(1_000);
    await release();
    const again = await acquireDataDirLock(dir);
    await again();
  });

  it("lets exactly one of several newcomers take over a crashed holder's lock", async () => {
    crashedHolder(60_000);
    const attempts = await Promise.allSettled(Array.from({ length: 6 }, () => acquireDataDirLock(dir)));
    const winners = attempts.filter((a) => a.status === "fulfilled");
    const losers = attempts.filter((a) => a.status === "rejected");
    expect(winners).toHaveLength(1);
    for (const l of losers)
      expect((l as PromiseRejectedResult).reason).toBeInstanceOf(EmbeddedDatabaseLockedError);
    await (winners[0] as PromiseFulfilledResult<() => Promise<void>>).value();
  });

  it("waits for a crashed holder's lock to stop looking fresh, then takes it over", async () => {
    crashedHolder(0);
    const started = Date.now();
    const release = await acquireDataDirLock(dir);
    expect(Date.now() - started).toBeGreaterThan(1_000);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "lock-owner.json"), "utf8")).pid).toBe(process.pid);
    await release();
  });
});
