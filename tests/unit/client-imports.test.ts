import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * What the browser loads is decided by imports: one value imported from a module that also
 * builds a zod schema or a drizzle table ships the whole library to every page that renders the
 * component. This walks the static value imports of every client module (type-only imports and
 * dynamic `import()` load nothing up front) and fails on a server library or zod outside forms.
 */

const ROOT = path.resolve(__dirname, "../..");
const SOURCE_DIRS = ["app", "components"];

/** Never in the browser. */
const SERVER_ONLY = [
  /^drizzle-orm/,
  /^postgres$/,
  /^@electric-sql\//,
  /^pino/,
  /^node:/,
  /^next-auth$/,
  /^stripe$/,
];

/**
 * zod validates forms in the browser; only these client modules (the forms) may pull it in, so
 * a page loads zod only when it holds one of them.
 */
/**
 * The heaviest libraries load only when used (the chart after the page, the palette, the menus
 * and the toaster on first use): only modules imported lazily (or a form, which needs its
 * combobox at once) may reach them.
 */
const LAZY_ONLY = [/^recharts$/, /^cmdk$/, /^sonner$/];
const LAZY_MODULES = new Set([
  "components/overview/revenue-bars.tsx",
  "components/shell/command-palette-dialog.tsx",
  "components/ui/command.tsx",
  "components/ui/dropdown-menu-radix.tsx",
  "components/ui/sonner.tsx",
]);

/**
 * Dialogs whose form arrives on first use (components/lazy/dormant-dialog.tsx): no page may
 * import them statically, or zod and react-hook-form come back into its first load.
 */
const DORMANT_DIALOGS = [
  "app/(admin)/approvals/_components/decision-dialog.tsx",
  "app/(admin)/settings/approvals/_components/rule-dialog.tsx",
  "app/(admin)/settings/api-keys/_components/create-api-key-dialog.tsx",
  "app/(admin)/settings/webhooks/_components/create-endpoint-dialog.tsx",
];

const FORMS = new Set([
  "components/payments/new-payment-form.tsx",
  "app/(admin)/approvals/_components/decision-dialog.tsx",
  "app/(admin)/settings/approvals/_components/rule-dialog.tsx",
  "app/(admin)/settings/api-keys/_components/create-api-key-dialog.tsx",
  "app/(admin)/settings/webhooks/_components/create-endpoint-dialog.tsx",
]);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

function hasDirective(file: string, directive: string): boolean {
  const source = readFileSync(file, "utf8");
  return new RegExp(`^\\s*(?://[^\\n]*\\n|/\\*[\\s\\S]*?\\*/\\s*)*["']${directive}["']`).test(source);
}

/** The specifiers of static imports and re-exports that load a value. */
function valueImports(source: string): string[] {
  const found: string[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*["']([^"']+)["']/g;
  for (const m of source.matchAll(statement)) {
    const [, , typeOnly, clause = "", spec = ""] = m;
    if (typeOnly) continue;
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (braces) {
      const names = (braces[1] ?? "")
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean);
      if (names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    }
    found.push(spec);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g)) found.push(m[1] ?? "");
  return found;
}

function resolveLocal(from: string, spec: string): string | null {
  const base = spec.startsWith("@/")
    ? path.join(ROOT, spec.slice(2))
    : path.resolve(path.dirname(from), spec);
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    path.join(base, "index.ts"),
    path.join(base, "index.tsx"),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every package a module loads, with the chain of local modules that leads to it. */
function packagesReached(entry: string): Map<string, string[]> {
  return reachedFrom(entry).packages;
}

/** The packages and the local modules a module loads statically, each with the chain that leads to it. */
function reachedFrom(entry: string): { packages: Map<string, string[]>; modules: Map<string, string[]> } {
  const reached = new Map<string, string[]>();
  const modules = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue: { file: string; chain: string[] }[] = [{ file: entry, chain: [] }];
  while (queue.length > 0) {
    const { file, chain } = queue.shift() as { file: string; chain: string[] };
    if (seen.has(file)) continue;
    seen.add(file);
    const here = [...chain, path.relative(ROOT, file)];
    modules.set(path.relative(ROOT, file), chain);
    for (const spec of valueImports(readFileSync(file, "utf8"))) {
      if (spec.startsWith("@/") || spec.startsWith(".")) {
        const next = resolveLocal(file, spec);
        // A server action module reaches the browser as a reference to call, not as its code.
        if (next && !/\.(css|svg)$/.test(next) && !hasDirective(next, "use server")) {
          queue.push({ file: next, chain: here });
        }
      } else if (!reached.has(spec)) {
        reached.set(spec, here);
      }
    }
  }
  return { packages: reached, modules };
}

const clientModules = [
  ...SOURCE_DIRS.flatMap((dir) => walk(path.join(ROOT, dir))).filter((file) =>
    hasDirective(file, "use client"),
  ),
  path.join(ROOT, "instrumentation-client.ts"),
];

describe("what client modules load", () => {
  it("finds the client modules", () => {
    expect(clientModules.length).toBeGreaterThan(30);
  });

  it("reads type-only imports as loading nothing", () => {
    expect(valueImports('import type { A } from "x";\nimport { type B, type C } from "y";')).toEqual([]);
    expect(valueImports('import { type B, c } from "y";\nexport * from "./z";\nimport "./side";')).toEqual([
      "y",
      "./z",
      "./side",
    ]);
  });

  for (const file of clientModules) {
    const name = path.relative(ROOT, file);
    it(`${name}: no server library, zod only in forms, heavy libraries only lazily`, () => {
      const offending = [...packagesReached(file)]
        .filter(
          ([pkg, chain]) =>
            SERVER_ONLY.some((re) => re.test(pkg)) ||
            (pkg === "zod" && !chain.some((m) => FORMS.has(m))) ||
            (LAZY_ONLY.some((re) => re.test(pkg)) && !chain.some((m) => LAZY_MODULES.has(m) || FORMS.has(m))),
        )
        .map(([pkg, chain]) => `${pkg} via ${chain.join(" → ")}`);
      expect(offending).toEqual([]);
    });
  }

  const pages = walk(path.join(ROOT, "app")).filter((file) => /[\\/]page\.tsx$/.test(file));
  it("dialogs that arrive on first use are imported by no page", () => {
    expect(pages.length).toBeGreaterThan(15);
    for (const dialog of DORMANT_DIALOGS) expect(existsSync(path.join(ROOT, dialog)), dialog).toBe(true);
    const offending = pages.flatMap((page) => {
      const { modules } = reachedFrom(page);
      return DORMANT_DIALOGS.filter((d) => modules.has(d)).map(
        (d) => `${d} via ${[...(modules.get(d) ?? []), d].join(" → ")}`,
      );
    });
    expect(offending).toEqual([]);
  });

  it("the new-payment form fetches zod and its schema after the page, not with it", () => {
    const form = path.join(ROOT, "components/payments/new-payment-form.tsx");
    expect(packagesReached(form).has("zod")).toBe(false);
    expect(packagesReached(path.join(ROOT, "components/payments/new-payment-resolver.ts")).has("zod")).toBe(
      true,
    );
  });
});
