import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";

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
const OWNER_FILE = "lock-owner.json";

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

function describeCommand(): string {
  const args = process.argv.slice(1).map((a) => path.basename(a));
  return args.join(" ").slice(0, 200) || "node";
}

export async function acquireDataDirLock(dir: string): Promise<() => Promise<void>> {
  fs.mkdirSync(dir, { recursive: true });
  const options = {
    lockfilePath: path.join(dir, LOCK_NAME),
    realpath: false,
    // The lock is refreshed every few seconds; a holder that died is detected by pid below,
    // so staleness is only a last resort for a holder on another host.
    stale: 60_000,
    update: 5_000,
    onCompromised: (err: Error) => {
      // Someone else took the lock: continuing could lose writes, so stop hard.
      console.error(`paydesk: lost the lock on the embedded database at ${dir}: ${err.message}`);
      process.exit(75);
    },
  };

  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
    const owner = readOwner(dir);
    if (owner && owner.host === os.hostname() && owner.pid !== process.pid && !isAlive(owner.pid)) {
      // The holder crashed without releasing: its lock protects nobody.
      fs.rmSync(options.lockfilePath, { recursive: true, force: true });
      release = await lockfile.lock(dir, options);
    } else {
      const who = owner
        ? `process ${owner.pid} (${owner.command}) on ${owner.host}, since ${owner.since}`
        : "another process";
      throw new EmbeddedDatabaseLockedError(
        `The embedded database in ${dir} is in use by ${who}. ` +
          "PGlite allows one process at a time: stop that process first, or set DATABASE_URL " +
          "to a PostgreSQL server that several processes can share.",
      );
    }
  }

  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    command: describeCommand(),
    since: new Date().toISOString(),
  };
  const ownerFile = path.join(dir, OWNER_FILE);
  fs.writeFileSync(ownerFile, JSON.stringify(owner));
  // Servers are often stopped by a signal that exits before async cleanup runs; the lock
  // itself is released by proper-lockfile's exit hook, the owner note by this one.
  process.once("exit", () => {
    if (readOwner(dir)?.pid === process.pid) fs.rmSync(ownerFile, { force: true });
  });
  return async () => {
    fs.rmSync(path.join(dir, OWNER_FILE), { force: true });
    await release();
  };
}
