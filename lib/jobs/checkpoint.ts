import type { Db } from "@/db/client";
import { CheckpointKeyMissingError, writeCheckpoint } from "../audit/checkpoint";
import { componentLogger } from "../log";
import { acquireLease, releaseLease } from "./lease";
import { INSTANCE_ID } from "./scheduler";

export const CHECKPOINT_JOB = "audit_checkpoint";
const DEFAULT_INTERVAL_MS = 10 * 60_000;
const LEASE_TTL_MS = 2 * 60_000;

/** `AUDIT_CHECKPOINT_INTERVAL_MS` (default 10 minutes; 0 turns the schedule off). */
export function checkpointIntervalMs(): number | null {
  const raw = process.env.AUDIT_CHECKPOINT_INTERVAL_MS;
  if (raw === "0") return null;
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) && n >= 1_000 ? n : DEFAULT_INTERVAL_MS;
}

/**
 * Signs the heads of the audit chains that moved (a delta; every chain once a day) with
 * lib/audit/checkpoint.ts when anything changed, one instance at a time by lease; null when
 * another instance holds it.
 */
export async function runCheckpointJob(db: Db, holder: string = INSTANCE_ID) {
  const lease = await acquireLease(db, CHECKPOINT_JOB, holder, LEASE_TTL_MS);
  if (!lease) return null;
  try {
    const result = await writeCheckpoint(db);
    await releaseLease(db, lease, {
      result: { written: result.written, chains: result.checkpoint?.chainCount ?? null },
    });
    return result;
  } catch (err) {
    await releaseLease(db, lease, { error: (err as Error).message }).catch(() => {});
    throw err;
  }
}

let timer: NodeJS.Timeout | null = null;

/** The checkpoint schedule, beside the scheduler's jobs: every instance ticks, the lease picks one. */
export function startCheckpointSchedule(db: Db): void {
  const every = checkpointIntervalMs();
  if (timer || every === null) return;
  let warned = false;
  const tick = async () => {
    try {
      await runCheckpointJob(db);
    } catch (err) {
      // Without a key there is nothing to sign with: say so once, not every 10 minutes.
      if (!(err instanceof CheckpointKeyMissingError) || !warned) {
        componentLogger("scheduler").error({ err, job: CHECKPOINT_JOB }, "job failed");
      }
      if (err instanceof CheckpointKeyMissingError) warned = true;
    }
    timer = setTimeout(tick, every);
    timer.unref();
  };
  timer = setTimeout(tick, every);
  timer.unref();
}
