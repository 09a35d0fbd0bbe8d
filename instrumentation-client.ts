// Runs before the app's client code. zod compiles object parsers with `new Function` unless told
// not to, and first probes whether it may; under the Content-Security-Policy (no 'unsafe-eval')
// that probe is refused and reported as a violation on every page. The interpreter is all the
// browser needs for form validation.
//
// zod keeps its global config on `globalThis.__zod_globalConfig` and adopts an object already
// there, so this sets the flag without importing zod: most pages never load zod at all, and an
// import here would ship it to every one of them (tests/unit/zod-jitless.test.ts pins both ways).
const holder = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
holder.__zod_globalConfig ??= {};
holder.__zod_globalConfig.jitless = true;

export {};
