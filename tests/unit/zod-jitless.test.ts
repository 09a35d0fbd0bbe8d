import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const ROOT = path.resolve(__dirname, "../..");

describe("instrumentation-client.ts turns zod's compiler off without importing zod", () => {
  it("when zod loaded first, zod sees the flag", async () => {
    const before = z.config().jitless;
    try {
      z.config({ jitless: false });
      await import("@/instrumentation-client");
      expect(z.config().jitless).toBe(true);
    } finally {
      z.config({ jitless: before });
    }
  });

  it("when it runs before zod loads (the browser's order), zod adopts the flag", () => {
    const script = `
      globalThis.__zod_globalConfig = undefined;
      await import(${JSON.stringify(path.join(ROOT, "instrumentation-client.ts"))});
      const { z } = await import("zod");
      process.stdout.write(String(z.config().jitless));
    `;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(out).toBe("true");
  });
});
