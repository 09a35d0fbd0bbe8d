import { asc, eq, type SQL, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { type AuditRow, auditLog } from "@/db/schema";
import { hashEntry } from "@/lib/audit/hash";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { pgError } from "@/lib/db-errors";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { updatePayment } from "@/lib/payments/update";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, clockAt } from "../support/fixtures";

const rows = queryRows;

async function auditCount(db: Queryable): Promise<number> {
  const [row] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_log`);
  return Number(row?.n ?? 0);
}

async function chain(db: Queryable, chainKey: string): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(eq(auditLog.chainKey, chainKey)).orderBy(asc(auditLog.chainSeq));
}

/** What a tamperer with table-owner rights does: switch the guard off, edit, switch it back on. */
async function tamper(db: TestDatabase["db"], edit: SQL): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
    await tx.execute(edit);
    await tx.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

/** Several mutations on two payments, one subscription and a customer: several chains of several links. */
async function history(ctx: ServiceContext, customerId: string) {
  const a = await createPayment(ctx, {
    customer: customerId,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    reason: "transfer announced",
  });
  const b = await createPayment(ctx, {
    customer: customerId,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    reason: "second transfer announced",
  });
  await changePaymentStatus(ctx, { paymentId: a.payment.id, status: "succeeded", reason: "on statement" });
  await updatePayment(ctx, { paymentId: a.payment.id, description: "March", reason: "label it" });
  await changePaymentStatus(ctx, { paymentId: b.payment.id, status: "succeeded", reason: "on statement" });
  await refundPayment(ctx, { paymentId: a.payment.id, amount: "100.00", reason: "goodwill" });
  await refundPayment(ctx, { paymentId: a.payment.id, reason: "customer left" });
  return { a: a.payment, b: b.payment };
}

describe("audit log", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("rejects UPDATE, DELETE and TRUNCATE in the database itself", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    await createPayment(ctx, {
      customer: customer.id,
      amount: "10.00",
      currency: "USD",
      reason: "something to audit",
    });
    const before = await t.db.select().from(auditLog).orderBy(asc(auditLog.id));
    expect(before.length).toBeGreaterThanOrEqual(2);

    const attempts: Array<[string, SQL]> = [
      ["UPDATE", sql`update audit_log set reason = 'rewritten'`],
      ["UPDATE", sql`update audit_log set hash = 'x' where id = ${before[0]!.id}`],
      ["DELETE", sql`delete from audit_log where id = ${before[0]!.id}`],
      ["DELETE", sql`delete from audit_log`],
      ["TRUNCATE", sql`truncate audit_log`],
    ];
    for (const [op, statement] of attempts) {
      const err = await rejection(t.db.execute(statement));
      expect(err, `${op} was accepted`).not.toBeNull();
      const info = pgError(err);
      expect(info?.code, `${op}: ${String(err)}`).toBe("42501");
      expect(info?.message).toContain(`audit_log is append-only: ${op} rejected`);
    }
    expect(await t.db.select().from(auditLog).orderBy(asc(auditLog.id))).toEqual(before);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("verifies an intact log with the right count, chain by chain", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    const { a, b } = await history(ctx, customer.id);
    const total = await auditCount(t.db);
    // customer.create; A: create, status, update, refund, refund; B: create, status;
    // subscription: extend (A), extend (B), revoke (A's full refund).
    expect(total).toBe(1 + 5 + 2 + 3);

    const result = await verifyAuditChain(t.db);
    expect(result).toEqual({
      ok: true,
      checked: total,
      chains: 4,
      firstBroken: null,
      checkpoints: { checked: 0, latest: null, problems: [] },
    });

    const aChain = await chain(t.db, `payment:${a.id}`);
    expect(aChain.map((r) => r.action)).toEqual([
      "payment.create",
      "payment.status_change",
      "payment.update",
      "payment.refund",
      "payment.refund",
    ]);
    expect(aChain.map((r) => r.chainSeq)).toEqual([1, 2, 3, 4, 5]);
    expect(aChain[0]!.prevHash).toBeNull();
    for (let i = 1; i < aChain.length; i++) expect(aChain[i]!.prevHash).toBe(aChain[i - 1]!.hash);
    expect((await chain(t.db, `payment:${b.id}`)).map((r) => r.action)).toEqual([
      "payment.create",
      "payment.status_change",
    ]);
  });

  it("reports an entry whose content was changed behind the trigger's back", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    const { a } = await history(ctx, customer.id);
    const target = (await chain(t.db, `payment:${a.id}`))[2]!;
    expect(target.action).toBe("payment.update");

    await tamper(t.db, sql`update audit_log set reason = 'nothing to see here' where id = ${target.id}`);
    // The guard is back on afterwards.
    expect(await rejection(t.db.execute(sql`update audit_log set reason = 'again'`))).not.toBeNull();

    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(await auditCount(t.db));
    expect(result.firstBroken).toMatchObject({
      id: target.id,
      chainKey: `payment:${a.id}`,
      chainSeq: 3,
      problem: expect.stringContaining("altered"),
    });
  });

  it("reports a changed before/after snapshot", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    const { b } = await history(ctx, customer.id);
    const target = (await chain(t.db, `payment:${b.id}`))[1]!;
    expect(target.action).toBe("payment.status_change");
    await tamper(
      t.db,
      sql`update audit_log set "after" = jsonb_set("after", '{status}', '"failed"') where id = ${target.id}`,
    );
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.firstBroken?.id).toBe(target.id);
  });

  it("reports a deleted entry in the middle of a chain as missing", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    const { a } = await history(ctx, customer.id);
    const entries = await chain(t.db, `payment:${a.id}`);
    const removed = entries[1]!;
    await tamper(t.db, sql`delete from audit_log where id = ${removed.id}`);

    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(await auditCount(t.db));
    // The break shows at the entry after the gap.
    expect(result.firstBroken).toMatchObject({
      id: entries[2]!.id,
      chainKey: `payment:${a.id}`,
      chainSeq: 3,
      problem: expect.stringMatching(/entry 2 of payment:.* is missing/),
    });
  });

  it("reports an entry whose stored hash was overwritten", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    const { a } = await history(ctx, customer.id);
    const target = (await chain(t.db, `payment:${a.id}`))[1]!;
    await tamper(t.db, sql`update audit_log set hash = ${"0".repeat(64)} where id = ${target.id}`);
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.firstBroken?.id).toBe(target.id);
  });

  it("breaks the next link when a tamperer rewrites an entry and recomputes its own hash", async () => {
    const { ctx, customer } = await baseline(t.db, clockAt());
    const { a } = await history(ctx, customer.id);
    const entries = await chain(t.db, `payment:${a.id}`);
    const target = entries[1]!;
    const forged = { ...target, reason: "forged reason" };
    const forgedHash = hashEntry(forged);
    await tamper(
      t.db,
      sql`update audit_log set reason = ${forged.reason}, hash = ${forgedHash} where id = ${target.id}`,
    );
    // The forged entry is self-consistent…
    const [reread] = await t.db.select().from(auditLog).where(eq(auditLog.id, target.id));
    expect(hashEntry(reread!)).toBe(reread!.hash);

    // …but its successor still points at the original hash.
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({
      id: entries[2]!.id,
      chainSeq: 3,
      problem: expect.stringContaining("link"),
    });
  });

  it("keeps concurrent chains independent: a break in one is reported there and nowhere else", async () => {
    const clock = clockAt("2026-02-01T00:00:00.000Z");
    const { ctx } = await baseline(t.db, clock);
    const customers = await Promise.all(
      ["c1@example.com", "c2@example.com", "c3@example.com"].map((email) =>
        createCustomer(ctx, { email, name: email }),
      ),
    );
    // Interleaved, concurrent work on different entities.
    const created = await Promise.all(
      customers.map((c, i) =>
        createPayment(ctx, {
          customer: c.id,
          plan: "basic",
          amount: "299.00",
          currency: "RUB",
          reason: `payment ${i}`,
        }),
      ),
    );
    await Promise.all(
      created.map(({ payment }) =>
        changePaymentStatus(ctx, { paymentId: payment.id, status: "succeeded", reason: "paid" }),
      ),
    );
    await Promise.all(
      created.map(({ payment }) =>
        updatePayment(ctx, { paymentId: payment.id, description: "note", reason: "annotate" }),
      ),
    );

    const total = await auditCount(t.db);
    // 4 customer.create, 3 × (create, status, update) payments, 3 × subscription.extend
    expect(total).toBe(4 + 9 + 3);
    const intact = await verifyAuditChain(t.db);
    expect(intact).toEqual({
      ok: true,
      checked: total,
      chains: 4 + 3 + 3,
      firstBroken: null,
      checkpoints: { checked: 0, latest: null, problems: [] },
    });
    for (const { payment } of created) {
      expect((await chain(t.db, `payment:${payment.id}`)).map((r) => r.chainSeq)).toEqual([1, 2, 3]);
    }

    // Break the middle payment's chain, then repair it: the other chains never notice.
    const victim = (await chain(t.db, `payment:${created[1]!.payment.id}`))[1]!;
    await tamper(t.db, sql`update audit_log set reason = 'edited' where id = ${victim.id}`);
    const broken = await verifyAuditChain(t.db);
    expect(broken.ok).toBe(false);
    expect(broken.checked).toBe(total);
    expect(broken.chains).toBe(intact.chains);
    expect(broken.firstBroken?.id).toBe(victim.id);
    expect(broken.firstBroken?.chainKey).toBe(`payment:${created[1]!.payment.id}`);

    await tamper(t.db, sql`update audit_log set reason = ${victim.reason} where id = ${victim.id}`);
    expect(await verifyAuditChain(t.db)).toEqual(intact);

    // Later entries keep extending each chain from its own head.
    clock.advanceDays(1);
    await refundPayment(ctx, { paymentId: created[0]!.payment.id, reason: "refund" });
    const after = await verifyAuditChain(t.db);
    expect(after.ok).toBe(true);
    expect(after.checked).toBe(total + 2); // payment.refund + subscription.revoke
    expect((await chain(t.db, `payment:${created[0]!.payment.id}`)).map((r) => r.action)).toEqual([
      "payment.create",
      "payment.status_change",
      "payment.update",
      "payment.refund",
    ]);
  });
});
