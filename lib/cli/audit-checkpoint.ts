import type { Command } from "commander";
import { writeCheckpoint } from "../audit/checkpoint";
import type { VerifyResult } from "../audit/verify";
import { withDatabase } from "./database";
import { jsonOption } from "./options";
import { emit, iso } from "./output";

/** `audit checkpoint`: sign every chain's head now (the schedule does it every 10 minutes). */
export function registerAuditCheckpointCommand(audit: Command): void {
  audit
    .command("checkpoint")
    .description("write a signed checkpoint of every audit chain's head now (when anything changed)")
    .addOption(jsonOption())
    .action((opts) =>
      withDatabase(async (handle) => {
        const result = await writeCheckpoint(handle.db);
        const c = result.checkpoint;
        emit(
          opts.json,
          {
            written: result.written,
            id: c?.id ?? null,
            chainCount: c?.chainCount ?? null,
            keyId: c?.keyId ?? null,
          },
          () =>
            c
              ? `Checkpoint ${c.id} signed ${c.chainCount} chain heads (key ${c.keyId}) at ${iso(c.createdAt)}`
              : "No checkpoint written: no chain changed since the last one",
        );
      }),
    );
}

/** What `audit verify` prints: the chains' verdict, then the checkpoints'. */
export function describeVerify(result: VerifyResult): string {
  const lines: string[] = [];
  const b = result.firstBroken;
  lines.push(
    b
      ? `Audit log BROKEN at entry ${b.id} (${b.chainKey} #${b.chainSeq}, ${iso(b.occurredAt)}): ${b.problem}`
      : `Audit chains intact: ${result.checked} entries in ${result.chains} chains verified`,
  );
  const cp = result.checkpoints;
  if (cp.checked === 0) {
    lines.push(
      "No signed checkpoint yet: a deleted newest entry would go unnoticed (run `audit checkpoint`)",
    );
  } else if (cp.problems.length === 0) {
    lines.push(
      `Checkpoints intact: ${cp.checked} signatures valid; every chain reaches its signed head (latest ${iso(cp.latest?.createdAt)}, signing ${cp.latest?.chainCount} chain heads)`,
    );
  } else {
    lines.push(`Checkpoints BROKEN: ${cp.problems.length} problem(s)`);
    for (const p of cp.problems) {
      const where = p.chainKey ? `${p.chainKey} #${p.chainSeq}` : `checkpoint ${p.checkpointId}`;
      lines.push(`  ${where} (checkpoint ${p.checkpointId} of ${iso(p.createdAt)}): ${p.problem}`);
    }
  }
  return lines.join("\n");
}
