// Starts the CLI (`lib/cli/main.ts`) from one bundled, minified file, rebuilding that file
// when a source it was built from has changed.
//
// Why: run through tsx, a CLI call spent 1.5–2 s compiling ~150 TypeScript modules and
// resolving ~40 packages before it touched the database. One pre-built ESM file starts in a
// fraction of that. It is plain JavaScript so that node runs it with no loader at all.
//
// The bundle lives in node_modules/.cache (never committed, rebuilt on demand), so a fresh
// checkout, a `git pull` or an edited source needs no separate build step: the first call
// after a change rebuilds (~0.5 s) and every later call starts from the bundle.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUT_DIR = path.join(ROOT, "node_modules/.cache/paydesk-cli");
const BUNDLE = path.join(OUT_DIR, "main.mjs");
const MANIFEST = path.join(OUT_DIR, "manifest.json");
const ENTRY = "lib/cli/main.ts";
// Packages that must stay on disk: argon2 loads a native addon; PGlite finds its WebAssembly
// and data files next to its own module.
const EXTERNAL = ["argon2", "@electric-sql/pglite", "@electric-sql/pglite/*"];
// Any change of installed packages touches npm's lock in node_modules; it stands in for every
// bundled package file. tsconfig.json carries the `@/` path alias.
const ALWAYS_CHECKED = ["node_modules/.package-lock.json", "package.json", "tsconfig.json"];

function mtimeOf(relative) {
  try {
    return fs.statSync(path.join(ROOT, relative)).mtimeMs;
  } catch {
    return null;
  }
}

/** Whether the bundle was built from exactly the files as they are now. */
function bundleIsCurrent() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
  } catch {
    return false;
  }
  if (!fs.existsSync(BUNDLE)) return false;
  return Object.entries(manifest.inputs).every(([file, mtime]) => mtimeOf(file) === mtime);
}

async function rebuild() {
  const { build } = await import("esbuild");
  const startedAt = Date.now();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  // Several CLI processes may rebuild at once (tests run them in parallel): each writes its own
  // temporary files and renames them into place, so a reader sees a whole bundle or the old one.
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const bundleTmp = path.join(OUT_DIR, `main.${unique}.tmp.mjs`);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outfile: bundleTmp,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: EXTERNAL,
    metafile: true,
    logLevel: "error",
    // Bundled CommonJS packages call require() for node's built-ins.
    banner: {
      js: "import { createRequire as __paydeskRequire } from 'node:module'; const require = __paydeskRequire(import.meta.url);",
    },
  });
  const own = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith("node_modules/"));
  const inputs = {};
  let changedDuringBuild = false;
  for (const file of [...own, ...ALWAYS_CHECKED]) {
    const mtime = mtimeOf(file);
    inputs[file] = mtime;
    if (mtime !== null && mtime >= startedAt) changedDuringBuild = true;
  }
  fs.renameSync(bundleTmp, BUNDLE);
  // A source saved while the build ran may or may not be in it: record no manifest, so the
  // next call builds again.
  if (changedDuringBuild) {
    fs.rmSync(MANIFEST, { force: true });
    return;
  }
  const manifestTmp = path.join(OUT_DIR, `manifest.${unique}.tmp.json`);
  fs.writeFileSync(manifestTmp, JSON.stringify({ entry: ENTRY, inputs }));
  fs.renameSync(manifestTmp, MANIFEST);
}

if (!bundleIsCurrent()) {
  try {
    await rebuild();
  } catch (err) {
    // esbuild has printed the source errors; one line here says what failed.
    console.error(`error: the CLI could not be built: ${String(err?.message ?? err).split("\n")[0]}`);
    process.exit(1);
  }
}
await import(pathToFileURL(BUNDLE).href);
