import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";

/** The embedded data directory holds the database and the session secret: its owner only. */
describe.skipIf(process.platform === "win32")("embedded data directory permissions", () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const modeOf = (dir: string) => fs.statSync(dir).mode & 0o777;

  it("creates DATA_DIR readable by its owner only (0700), whatever the umask", async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "paydesk-datadir-"));
    made.push(parent);
    const dataDir = path.join(parent, "nested", "data");
    const previous = process.umask(0o022);
    try {
      const handle = await openDatabase({ dataDir });
      await handle.close();
    } finally {
      process.umask(previous);
    }
    expect(modeOf(dataDir)).toBe(0o700);
  });

  it("tightens an existing, world-readable DATA_DIR", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "paydesk-datadir-"));
    made.push(dataDir);
    fs.chmodSync(dataDir, 0o755);
    const handle = await openDatabase({ dataDir });
    await handle.close();
    expect(modeOf(dataDir)).toBe(0o700);
  });
});
