/**
 * Sign-in answers and timing: does anything tell a real account from an unknown email or a
 * disabled account? For each class it runs N wrong-password attempts (each from its own client
 * address, so the per-address budget never interferes; a fresh email every 4 attempts, so no
 * lock-out), interleaved round-robin so machine noise hits every class alike, and prints the
 * answer codes seen and the latency of each class (p50/p95/mean), plus the largest difference of
 * medians relative to the median itself. Then the right password of a disabled account, which
 * must answer exactly like a wrong one.
 *
 *   npm run bench:sign-in
 *   BENCH_ATTEMPTS=200 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:sign-in
 *
 * Env: BENCH_ATTEMPTS (per class, default 60); DATABASE_URL (default: an in-memory embedded
 * database, migrated here).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { staffUsers } from "@/db/schema";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { hashPassword } from "@/lib/staff/password";
import { summarize } from "./lib/stats";

const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS || 60);
const PASSWORD = "the-right-password-123";
const CLASSES = ["real", "unknown", "disabled"] as const;
type Kind = (typeof CLASSES)[number];

const handle = await openDatabase(process.env.DATABASE_URL ? {} : { dataDir: "memory://" });
await migrateDatabase(handle);
const { db } = handle;
const run = randomUUID().slice(0, 8);
const hash = await hashPassword(PASSWORD);

async function account(kind: Kind, n: number): Promise<string> {
  const email = `bench-${kind}-${run}-${n}@paydesk.test`;
  if (kind === "unknown") return email;
  await db.insert(staffUsers).values({
    email,
    name: `Bench ${kind}`,
    role: "support",
    passwordHash: hash,
    disabled: kind === "disabled",
  });
  return email;
}

const emails: Record<Kind, string[]> = { real: [], unknown: [], disabled: [] };
for (const kind of CLASSES) {
  for (let i = 0; i < Math.ceil(ATTEMPTS / 4); i++) emails[kind].push(await account(kind, i));
}

const times: Record<Kind, number[]> = { real: [], unknown: [], disabled: [] };
const codes: Record<Kind, Map<string, number>> = { real: new Map(), unknown: new Map(), disabled: new Map() };
let address = 0;
// Warm-up: argon2's first hash and the first queries cost more than the rest.
await signInWithPassword(
  db,
  { email: "warm@paydesk.test", password: "x" },
  { ip: "10.9.9.9", userAgent: null },
);
for (let i = 0; i < ATTEMPTS; i++) {
  for (const kind of CLASSES) {
    const email = emails[kind][Math.floor(i / 4)]!;
    address++;
    const ip = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    const started = performance.now();
    const result = await signInWithPassword(
      db,
      { email, password: "a-wrong-password" },
      { ip, userAgent: null },
    );
    times[kind].push(performance.now() - started);
    const code = result.ok ? "ok" : result.code;
    codes[kind].set(code, (codes[kind].get(code) ?? 0) + 1);
  }
}

const medians: number[] = [];
console.log(`sign-in timing, ${ATTEMPTS} wrong-password attempts per class (${handle.kind})`);
for (const kind of CLASSES) {
  const s = summarize(times[kind]);
  medians.push(s.p50);
  const answers = [...codes[kind]].map(([c, n]) => `${c}×${n}`).join(" ");
  console.log(
    `  ${kind.padEnd(8)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  mean ${s.mean.toFixed(1)} ms  answers: ${answers}`,
  );
}
const spread = (Math.max(...medians) - Math.min(...medians)) / Math.min(...medians);
console.log(`  largest difference of medians: ${(spread * 100).toFixed(1)} % of the smallest`);

// A disabled account (fresh, no failures yet) with its right password answers like a wrong one.
const fresh = await account("disabled", ATTEMPTS);
const right = await signInWithPassword(
  db,
  { email: fresh, password: PASSWORD },
  { ip: "10.200.0.1", userAgent: null },
);
console.log(`  disabled account, right password: ${right.ok ? "ok" : right.code}`);
const sameAnswers = CLASSES.every((k) => codes[k].size === 1 && codes[k].has("invalid"));
console.log(
  JSON.stringify({
    bench: "sign-in",
    attempts: ATTEMPTS,
    medians: Object.fromEntries(CLASSES.map((k, i) => [k, Number(medians[i]!.toFixed(2))])),
    spread: Number(spread.toFixed(3)),
    sameAnswers,
    disabledRightPassword: right.ok ? "ok" : right.code,
  }),
);
await handle.close();
