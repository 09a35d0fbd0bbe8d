import { z } from "zod";

// Runs before the app's client code. zod compiles object parsers with `new Function` unless told
// not to, and first probes whether it may; under the Content-Security-Policy (no 'unsafe-eval')
// that probe is refused and reported as a violation on every page. The interpreter is all the
// browser needs for form validation.
z.config({ jitless: true });
