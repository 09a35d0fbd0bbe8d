import { and, asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditCheckpoints, auditLog } from "@/db/schema";
import { signCheckpoint, writeCheckpoint } from "@/lib/audit/checkpoint";
import { checkpointSigningKey } from "@/lib/audit/checkpoint-key";
import { hashEntry } from "@/lib/audit/hash";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { lastJson, useCliProcess } from "../support/cli";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline } from "../support/fixtures";

const KEY = "test-checkpoint-key-0123456789";

/** What only the table's owner can do, and what defect 8's attacker did: switch the trigger off. */
async function asOwnerWithoutTrigger(db: Db, fn: () => Promise<unknown>) {
  await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
  try {
    await fn();
  } finally {
    await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
  }
}

async function chainOf(db: Db, chainKey: string) {
  return db.select().from(auditLog).where(eq(auditLog.chainKey, chainKey)).orderBy(asc(auditLog.chainSeq));
}

describe("signed audit checkpoints (issue 12, defect 8)", () => {
  let t: TestDatabase;
  let ctx: ServiceContext;
  let chainKey: string;
  let customerId: string;
  const saved = { key: process.env.AUDIT_CHECKPOINT_KEY, prev: process.env.AUDIT_CHECKPOINT_PREVIOUS_KEYS };

  beforeEach(async () => {
    process.env.AUDIT_CHECKPOINT_KEY = KEY;
    delete process.env.AUDIT_CHECKPOINT_PREVIOUS_KEYS;
    t = await freshDatabase();
    const base = await baseline(t.db);
    ctx = base.ctx;
    customerId = base.customer.id;
    const { payment } = await createPayment(ctx, {
      customer: base.customer.id,
      amount: "599.00",
      currency: "RUB",
      status: "pending",
      method: "bank_transfer",
      reason: "announced",
    });
    await changePaymentStatus(ctx, { paymentId: payment.id, status: "failed", reason: "never arrived" });
    chainKey = `payment:${payment.id}`;
  });
  afterEach(async () => {
    await t.close();
    process.env.AUDIT_CHECKPOINT_KEY = saved.key;
    process.env.AUDIT_CHECKPOINT_PREVIOUS_KEYS = saved.prev;
    if (saved.key === undefined) delete process.env.AUDIT_CHECKPOINT_KEY;
    if (saved.prev === undefined) delete process.env.AUDIT_CHECKPOINT_PREVIOUS_KEYS;
  });

  it("signs every chain head once, writes nothing when nothing changed, and verifies intact", async () => {
    const first = await writeCheckpoint(t.db);
    expect(first.written).toBe(true);
    const heads = first.checkpoint!.heads as { chainKey: string; seq: number; hash: string }[];
    const chain = await chainOf(t.db, chainKey);
    expect(heads).toContainEqual({ chainKey, seq: 2, hash: chain[1]!.hash });
    expect(first.checkpoint!.keyId).toBe(checkpointSigningKey()!.id);

    expect((await writeCheckpoint(t.db)).written).toBe(false);
    const result = await verifyAuditChain(t.db);
    expect(result.checkpoints).toMatchObject({ checked: 1, problems: [] });
    expect(result.ok).toBe(true);

    // A new entry moves a head: the next checkpoint is written.
    await createPayment(ctx, {
      customer: customerId,
      amount: "1.00",
      currency: "RUB",
      status: "pending",
      method: "cash",
      reason: "another",
    });
    expect((await writeCheckpoint(t.db)).written).toBe(true);
    expect((await verifyAuditChain(t.db)).checkpoints).toMatchObject({ checked: 2, problems: [] });
  });

  it("reports a deleted newest entry, naming its chain and position", async () => {
    await writeCheckpoint(t.db);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    await asOwnerWithoutTrigger(t.db, () =>
      t.db.delete(auditLog).where(and(eq(auditLog.chainKey, chainKey), eq(auditLog.chainSeq, 2))),
    );

    const result = await verifyAuditChain(t.db);
    // The links alone cannot see it: what is left of the chain is consistent.
    expect(result.firstBroken).toBeNull();
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toEqual([
      expect.objectContaining({ chainKey, chainSeq: 2, problem: expect.stringMatching(/is gone/) }),
    ]);
  });

  it("reports a chain rewritten with recomputed hashes", async () => {
    await writeCheckpoint(t.db);
    await asOwnerWithoutTrigger(t.db, async () => {
      let prevHash: string | null = null;
      for (const row of await chainOf(t.db, chainKey)) {
        const rewritten = { ...row, reason: row.chainSeq === 1 ? "nothing to see" : row.reason, prevHash };
        const hash = hashEntry(rewritten);
        await t.db
          .update(auditLog)
          .set({ reason: rewritten.reason, prevHash, hash })
          .where(eq(auditLog.id, row.id));
        prevHash = hash;
      }
    });

    const result = await verifyAuditChain(t.db);
    expect(result.firstBroken).toBeNull();
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toEqual([
      expect.objectContaining({ chainKey, chainSeq: 2, problem: expect.stringMatching(/chain rewritten/) }),
    ]);
  });

  it("reports a forged checkpoint: altered heads, or signed with a key it does not know", async () => {
    const { checkpoint } = await writeCheckpoint(t.db);
    const heads = checkpoint!.heads as { chainKey: string; seq: number; hash: string }[];
    // Pinning a chain to a shorter head (to cover a deletion) breaks the signature.
    const shorter = heads.map((h) => (h.chainKey === chainKey ? { ...h, seq: 1 } : h));
    await t.db
      .update(auditCheckpoints)
      .set({ heads: shorter })
      .where(eq(auditCheckpoints.id, checkpoint!.id));
    let result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toContainEqual(
      expect.objectContaining({
        checkpointId: checkpoint!.id,
        problem: expect.stringMatching(/signature does not match/),
      }),
    );

    // Re-signed with a key of the forger's own choosing: not a key the deployment trusts.
    const forged = { ...checkpoint!, heads: shorter, keyId: "env:forger" };
    await t.db
      .update(auditCheckpoints)
      .set({ keyId: forged.keyId, signature: signCheckpoint(Buffer.from("forger"), forged) })
      .where(eq(auditCheckpoints.id, checkpoint!.id));
    result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems[0]?.problem).toMatch(/not configured/);
  });

  it("keeps old checkpoints verifiable after a key rotation", async () => {
    await writeCheckpoint(t.db);
    process.env.AUDIT_CHECKPOINT_KEY = "a-new-key-after-rotation";
    expect((await verifyAuditChain(t.db)).ok).toBe(false);
    process.env.AUDIT_CHECKPOINT_PREVIOUS_KEYS = KEY;
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});

describe("audit checkpoint and audit verify on the CLI", () => {
  const cli = useCliProcess("paydesk-checkpoint-", { env: { AUDIT_CHECKPOINT_KEY: KEY } });

  it("writes a checkpoint, then exits non-zero naming a deleted newest entry", async () => {
    const created = await cli.cli([
      "staff",
      "create",
      "--email",
      "root@example.com",
      "--name",
      "Root",
      "--role",
      "admin",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const customer = await cli.cli([
      "customers",
      "create",
      "--email",
      "c@example.com",
      "--name",
      "C",
      "--actor",
      "root@example.com",
      "--json",
    ]);
    expect(customer.code, customer.stderr).toBe(0);
    const customerId = String(lastJson(customer.stdout).id);

    const written = await cli.cli(["audit", "checkpoint", "--json"]);
    expect(written.code, written.stderr).toBe(0);
    expect(lastJson(written.stdout)).toMatchObject({ written: true });
    const intact = await cli.cli(["audit", "verify"]);
    expect(intact.code, intact.stdout + intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/Checkpoints intact/);

    const chainKey = `customer:${customerId}`;
    await cli.withDb((db) =>
      asOwnerWithoutTrigger(db, () => db.delete(auditLog).where(eq(auditLog.chainKey, chainKey))),
    );
    const broken = await cli.cli(["audit", "verify"]);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toContain(`${chainKey} #1`);
    expect(broken.stdout).toMatch(/is gone/);
  }, 300_000);
});
