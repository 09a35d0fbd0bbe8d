import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileWat, generatedModule, WASM_MODULES } from "../support/wasm";

describe("WebAssembly modules", () => {
  for (const { wat, module, name } of WASM_MODULES) {
    it(`${module} holds the bytes of ${wat} (run \`npm run build:wasm\` after editing it)`, async () => {
      const bytes = await compileWat(wat);
      expect(readFileSync(module, "utf8")).toBe(generatedModule(wat, name, bytes));
    });
  }
});
