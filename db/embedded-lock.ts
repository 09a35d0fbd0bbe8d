import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";
import { componentLogger } from "../lib/log";

/**
 * PGlite does not lock its data directory, and two processes writing to one directory
 * silently lose writes. Every process that opens the embedded database therefore holds an
 * exclusive lock on it for as long as it runs; a second process fails at once and is told
 * who holds the lock.
 */
export class EmbeddedDatabaseLockedError extends Error {
  override name = "EmbeddedDatabaseLockedError";
}

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

const LOCK_NAME = "paydesk.lock";
const TAKEOVER_NAME = "paydesk-takeover.lock";
const OWNER_FILE = "lock-owner.json";
/** How often a holder refreshes its lock's mtime. */
const REFRESH_MS = 1_000;
/** A lock not refreshed for this long, whose owner process is gone, is dead. */
const DEAD_AFTER_MS = 3 * REFRESH_MS;
/** A lock without any owner note, not refreshed for this long, is an orphan. */
const ORPHAN_AFTER_MS = 60_000;

function readOwner(dir: string): LockOwner | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), "utf8")) as LockOwner;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockAgeMs(lockPath: string): number | null {
  try {
    return Date.now() - fs.statSync(lockPath).mtimeMs;
  } catch {
    return null;
  }
}

function describeCommand(): string {
  const args = process.argv.slice(1).map((a) => path.basename(a));
  return args.join(" ").slice(0, 200) || "node";
}

function lockedError(dir: string, owner: LockOwner | null): EmbeddedDatabaseLockedError {
  const who = owner
    ? `process ${owner.pid} (${owner.command}) on ${owner.host}, since ${owner.since}`
    : "another process";
  return new EmbeddedDatabaseLockedError(
    `The embedded database in ${dir} is in use by ${who}. ` +
      "PGlite allows one process at a time: stop that process first, or set DATABASE_URL " +
      "to a PostgreSQL server that several processes can share.",
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireDataDirLock(dir: string): Promise<() => Promise<void>> {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, LOCK_NAME);
  const options = {
    lockfilePath: lockPath,
    realpath: false,
    // proper-lockfile's own stale-lock removal is not safe against two newcomers removing
    // each other's fresh locks, so it is effectively off; dead holders are recognised by pid
    // (or, with no owner note at all, by a long-unrefreshed lock) in the serialised takeover below.
    stale: 24 * 60 * 60_000,
    update: REFRESH_MS,
    onCompromised: (err: Error) => {
      // Someone else took the lock: continuing could lose writes, so stop hard.
      componentLogger("database").fatal({ err, dir }, "lost the lock on the embedded database");
      process.exit(75);
    },
  };

  let release: (() => Promise<void>) | null = null;
  try {
    release = await lockfile.lock(dir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
    release = await takeOverFromDeadHolder(dir, lockPath, options);
  }

  const ownerFile = path.join(dir, OWNER_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    command: describeCommand(),
    since: new Date().toISOString(),
  };
  fs.writeFileSync(ownerFile, JSON.stringify(owner));
  // Servers are often stopped by a signal that exits before async cleanup runs; the lock
  // itself is released by proper-lockfile's exit hook, the owner note by this one.
  process.once("exit", () => {
    if (readOwner(dir)?.pid === process.pid) fs.rmSync(ownerFile, { force: true });
  });
  const held = release;
  return async () => {
    if (readOwner(dir)?.pid === process.pid) fs.rmSync(ownerFile, { force: true });
    await held();
  };
}

/**
 * The lock exists. If its holder is a process on this host that no longer runs (a crash,
 * a SIGKILL) and the lock has stopped being refreshed, take it over; otherwise refuse.
 * Takeovers are serialised by a second lock, so two newcomers cannot both remove a dead
 * lock and each believe the fresh one is theirs; and a just-created lock (refreshed, not
 * yet carrying its owner note) is never mistaken for a dead one.
 */
async function takeOverFromDeadHolder(
  dir: string,
  lockPath: string,
  options: Parameters<typeof lockfile.lock>[1] & object,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + DEAD_AFTER_MS + 2 * REFRESH_MS;
  for (;;) {
    const owner = readOwner(dir);
    const age = lockAgeMs(lockPath);
    const ownerGone = owner
      ? owner.host === os.hostname() && owner.pid !== process.pid && !isAlive(owner.pid)
      : // No owner note: its holder died between taking the lock and writing the note.
        age !== null && age > ORPHAN_AFTER_MS;
    if (!ownerGone) throw lockedError(dir, owner);

    if (age === null || age > DEAD_AFTER_MS) {
      // proper-lockfile tracks locks by their target path: the takeover mutex needs its own.
      const takeoverTarget = path.join(dir, TAKEOVER_NAME);
      const releaseTakeover = await lockfile
        .lock(takeoverTarget, {
          lockfilePath: `${takeoverTarget}.dir`,
          realpath: false,
          stale: 10_000,
          retries: { retries: 20, minTimeout: 50, maxTimeout: 200 },
        })
        .catch(() => null);
      if (releaseTakeover) {
        try {
          const ageNow = lockAgeMs(lockPath);
          const stillDead = readOwner(dir)?.pid === owner?.pid;
          if (stillDead && (ageNow === null || ageNow > DEAD_AFTER_MS)) {
            fs.rmSync(lockPath, { recursive: true, force: true });
          }
          try {
            return await lockfile.lock(dir, options);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
            // Another newcomer won the takeover while we waited.
            throw lockedError(dir, readOwner(dir));
          }
        } finally {
          await releaseTakeover();
        }
      }
    }
    if (Date.now() > deadline) throw lockedError(dir, owner);
    // The dead holder's lock may still look fresh for a moment; wait for it to go stale.
    await sleep(REFRESH_MS / 2);
  }
}
