import { randomUUID } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditCheckpoints, auditLog } from "@/db/schema";
import {
  CHECKPOINT_OVERLAP_MS,
  checkpointHeads,
  signCheckpoint,
  writeCheckpoint,
} from "@/lib/audit/checkpoint";
import { checkpointSigningKey } from "@/lib/audit/checkpoint-key";
import { hashEntry } from "@/lib/audit/hash";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { lastJson, useCliProcess } from "../support/cli";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

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
    expect(first.checkpoint!.heads).toMatchObject({ full: true });
    const heads = checkpointHeads(first.checkpoint!.heads);
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
    const { checkpoint: first } = await writeCheckpoint(t.db);
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

    // A later full checkpoint signs the rewritten head at the same position: the earlier
    // checkpoint's hash there still fails it.
    const resigned = await writeCheckpoint(t.db, { now: new Date(Date.now() + 25 * 3_600_000) });
    expect(resigned.checkpoint!.heads).toMatchObject({ full: true });
    const after = await verifyAuditChain(t.db);
    expect(after.ok).toBe(false);
    expect(after.checkpoints.problems).toEqual([
      expect.objectContaining({ checkpointId: first!.id, chainKey, chainSeq: 2 }),
    ]);
  });

  it("reports a forged checkpoint: altered heads, or signed with a key it does not know", async () => {
    const { checkpoint } = await writeCheckpoint(t.db);
    const heads = checkpointHeads(checkpoint!.heads);
    // Pinning a chain to a shorter head (to cover a deletion) breaks the signature.
    const shorter = {
      full: true,
      heads: heads.map((h) => (h.chainKey === chainKey ? { ...h, seq: 1 } : h)),
    };
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

  it("writes deltas: a second checkpoint after touching one chain signs only that chain's head", async () => {
    const { payment } = await createPayment(ctx, {
      customer: customerId,
      amount: "10.00",
      currency: "RUB",
      status: "pending",
      method: "cash",
      reason: "second",
    });
    const first = await writeCheckpoint(t.db);
    expect(first.checkpoint!.heads).toMatchObject({ full: true });
    expect(first.checkpoint!.chainCount).toBeGreaterThan(2);

    // Every chain is inside the overlap window, but only the one that moved is signed again.
    await changePaymentStatus(ctx, { paymentId: payment.id, status: "failed", reason: "bounced" });
    const touched = `payment:${payment.id}`;
    const second = await writeCheckpoint(t.db);
    expect(second.written).toBe(true);
    const [, head] = await chainOf(t.db, touched);
    expect(second.checkpoint!.heads).toEqual({
      full: false,
      fullAt: first.checkpoint!.createdAt.toISOString(),
      heads: [{ chainKey: touched, seq: 2, hash: head!.hash }],
    });
    expect(second.checkpoint!.chainCount).toBe(1);
    expect(second.checkpoint!.coveredUntil.getTime()).toBeGreaterThanOrEqual(
      first.checkpoint!.coveredUntil.getTime(),
    );
    expect((await writeCheckpoint(t.db)).written).toBe(false);
    expect((await verifyAuditChain(t.db)).checkpoints).toMatchObject({ checked: 2, problems: [] });
  });

  it("writes one delta when two writers run at once", async () => {
    await writeCheckpoint(t.db);
    await createPayment(ctx, {
      customer: customerId,
      amount: "5.00",
      currency: "RUB",
      status: "pending",
      method: "cash",
      reason: "more",
    });
    const results = await Promise.all([writeCheckpoint(t.db), writeCheckpoint(t.db)]);
    expect(results.filter((r) => r.written)).toHaveLength(1);
    expect(await t.db.select({ id: auditCheckpoints.id }).from(auditCheckpoints)).toHaveLength(2);
  });

  it("still reports a deleted newest entry of a chain only an older checkpoint signed", async () => {
    const first = await writeCheckpoint(t.db);
    await createPayment(ctx, {
      customer: customerId,
      amount: "1.00",
      currency: "RUB",
      status: "pending",
      method: "cash",
      reason: "another",
    });
    const second = await writeCheckpoint(t.db);
    expect(second.checkpoint!.heads).toMatchObject({ full: false });
    expect(checkpointHeads(second.checkpoint!.heads).map((h) => h.chainKey)).not.toContain(chainKey);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);

    await asOwnerWithoutTrigger(t.db, () =>
      t.db.delete(auditLog).where(and(eq(auditLog.chainKey, chainKey), eq(auditLog.chainSeq, 2))),
    );
    let result = await verifyAuditChain(t.db);
    expect(result.firstBroken).toBeNull();
    expect(result.checkpoints.problems).toEqual([
      expect.objectContaining({
        checkpointId: first.checkpoint!.id,
        chainKey,
        chainSeq: 2,
        problem: expect.stringMatching(/is gone/),
      }),
    ]);

    // A later full checkpoint signs the shortened chain; the older, higher head still fails it.
    const full = await writeCheckpoint(t.db, { now: new Date(Date.now() + 25 * 3_600_000) });
    expect(full.checkpoint!.heads).toMatchObject({ full: true });
    expect(checkpointHeads(full.checkpoint!.heads)).toContainEqual(
      expect.objectContaining({ chainKey, seq: 1 }),
    );
    result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.checkpoints.problems).toEqual([
      expect.objectContaining({ checkpointId: first.checkpoint!.id, chainKey, chainSeq: 2 }),
    ]);
  });

  it("writes a full checkpoint when the last full one is older than 24 hours", async () => {
    const clock = clockAt(new Date());
    const timed = { ...ctx, now: clock.now };
    const touch = (reason: string) =>
      createPayment(timed, {
        customer: customerId,
        amount: "2.00",
        currency: "RUB",
        status: "pending",
        method: "cash",
        reason,
      });
    const first = await writeCheckpoint(t.db, { now: clock.now() });
    expect(first.checkpoint!.heads).toMatchObject({ full: true });
    const all = first.checkpoint!.chainCount;

    clock.set(new Date(clock.now().getTime() + 3_600_000));
    await touch("an hour later");
    const delta = await writeCheckpoint(t.db, { now: clock.now() });
    expect(delta.checkpoint!.heads).toMatchObject({
      full: false,
      fullAt: first.checkpoint!.createdAt.toISOString(),
    });
    expect(delta.checkpoint!.chainCount).toBe(1);

    // 23 hours after the full one: still a delta, still naming it.
    clock.set(new Date(first.checkpoint!.createdAt.getTime() + 23 * 3_600_000));
    await touch("23 hours later");
    const later = await writeCheckpoint(t.db, { now: clock.now() });
    expect(later.checkpoint!.heads).toMatchObject({
      full: false,
      fullAt: first.checkpoint!.createdAt.toISOString(),
    });
    expect(later.checkpoint!.chainCount).toBe(1);

    // 25 hours after: every chain again, with the entry from outside the overlap window too.
    clock.set(new Date(first.checkpoint!.createdAt.getTime() + 25 * 3_600_000));
    await touch("a day later");
    const full = await writeCheckpoint(t.db, { now: clock.now() });
    expect(full.checkpoint!.heads).toMatchObject({ full: true });
    expect(full.checkpoint!.chainCount).toBe(all + 3);
    // Nothing moved since a full checkpoint: nothing is written, however old it gets.
    clock.set(new Date(clock.now().getTime() + 48 * 3_600_000));
    expect((await writeCheckpoint(t.db, { now: clock.now() })).written).toBe(false);
    expect((await verifyAuditChain(t.db)).checkpoints).toMatchObject({ checked: 4, problems: [] });
  });

  it("picks up, at the next full checkpoint, a late commit older than the overlap window", async () => {
    await writeCheckpoint(t.db);
    const another = (c: ServiceContext, reason: string) =>
      createPayment(c, {
        customer: customerId,
        amount: "3.00",
        currency: "RUB",
        status: "pending",
        method: "cash",
        reason,
      });
    // Stamped before the window the next delta reads: a transaction that ran very long.
    const old = { ...ctx, now: () => new Date(Date.now() - 2 * CHECKPOINT_OVERLAP_MS) };
    const late = `payment:${(await another(old, "late")).payment.id}`;
    await another(ctx, "on time");
    const delta = await writeCheckpoint(t.db);
    expect(delta.checkpoint!.chainCount).toBe(1);
    expect(checkpointHeads(delta.checkpoint!.heads).map((h) => h.chainKey)).not.toContain(late);

    await another(ctx, "a day later");
    const full = await writeCheckpoint(t.db, { now: new Date(Date.now() + 25 * 3_600_000) });
    expect(full.checkpoint!.heads).toMatchObject({ full: true });
    expect(checkpointHeads(full.checkpoint!.heads)).toContainEqual(
      expect.objectContaining({ chainKey: late, seq: 1 }),
    );
  });

  it("still verifies checkpoints written before deltas (a bare array of heads)", async () => {
    const key = checkpointSigningKey()!;
    const chain = await chainOf(t.db, chainKey);
    const body = {
      id: randomUUID(),
      createdAt: new Date(),
      coveredUntil: chain[1]!.occurredAt,
      chainCount: 1,
      heads: [{ chainKey, seq: 2, hash: chain[1]!.hash }],
      keyId: key.id,
    };
    await t.db.insert(auditCheckpoints).values({ ...body, signature: signCheckpoint(key.key, body) });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    // Treated as full: the next checkpoint is a delta built on it.
    await createPayment(ctx, {
      customer: customerId,
      amount: "4.00",
      currency: "RUB",
      status: "pending",
      method: "cash",
      reason: "after",
    });
    const next = await writeCheckpoint(t.db);
    expect(next.checkpoint!.heads).toMatchObject({ full: false, fullAt: body.createdAt.toISOString() });
    await asOwnerWithoutTrigger(t.db, () =>
      t.db.delete(auditLog).where(and(eq(auditLog.chainKey, chainKey), eq(auditLog.chainSeq, 2))),
    );
    expect((await verifyAuditChain(t.db)).checkpoints.problems).toEqual([
      expect.objectContaining({ checkpointId: body.id, chainKey, chainSeq: 2 }),
    ]);
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
