import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { auditLog, domainEvents, type Subscription, subscriptions } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { expireSubscriptions } from "@/lib/jobs/expire";
import { createPayment } from "@/lib/payments/create";
import { addDays } from "@/lib/subscriptions/arithmetic";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

/** The clock job: a subscription whose period has passed is stored `expired`, audited and announced. */

const START = "2026-01-01T00:00:00.000Z";
const at = (days: number) => addDays(new Date(START), days);

describe("expiring subscriptions whose period has passed", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;

  beforeEach(async () => {
    t = await freshDatabase();
    clock = clockAt(START);
    ctx = (await baseline(t.db, clock)).ctx;
  });
  afterEach(async () => {
    await t.close();
  });

  async function customer(name: string) {
    const c = await createCustomer(ctx, { email: `${name}@example.com`, name });
    return c.id;
  }

  function pay(customerId: string) {
    return createPayment(ctx, {
      customer: customerId,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      status: "succeeded",
      method: "bank_transfer",
      reason: "bank transfer received",
    });
  }

  function trial(customerId: string) {
    return createPayment(ctx, {
      customer: customerId,
      plan: "premium",
      kind: "trial",
      amount: "0",
      currency: "RUB",
      reason: "trial requested",
    });
  }

  async function subOf(customerId: string): Promise<Subscription> {
    const rows = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId));
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  async function expiredEvents(subscriptionId?: string) {
    return t.db
      .select()
      .from(domainEvents)
      .where(
        and(
          eq(domainEvents.type, "subscription.expired"),
          subscriptionId ? eq(domainEvents.aggregateId, subscriptionId) : undefined,
        ),
      );
  }

  async function expireEntries(subscriptionId?: string) {
    return t.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, "subscription.expire"),
          subscriptionId ? eq(auditLog.entityId, subscriptionId) : undefined,
        ),
      );
  }

  /** Paid (ends day 30), trial (ends day 7), paid later (ends day 50), renewed (ends day 60). */
  async function fourSubscriptions() {
    const paid = await customer("paid");
    const trialing = await customer("trialing");
    const later = await customer("later");
    const renewed = await customer("renewed");
    await pay(paid);
    await trial(trialing);
    await pay(renewed);
    clock.set(at(20));
    await pay(later);
    clock.set(at(25));
    await pay(renewed);
    return {
      paid: await subOf(paid),
      trialing: await subOf(trialing),
      later: await subOf(later),
      renewed: await subOf(renewed),
    };
  }

  it("expires an active and a trialing subscription whose end has passed, once, as system:scheduler", async () => {
    const subs = await fourSubscriptions();
    expect(subs.paid).toMatchObject({ status: "active", currentPeriodEnd: at(30) });
    expect(subs.trialing).toMatchObject({ status: "trialing", currentPeriodEnd: at(7) });
    expect(subs.later).toMatchObject({ status: "active", currentPeriodEnd: at(50) });
    expect(subs.renewed).toMatchObject({ status: "active", currentPeriodEnd: at(60) });

    const now = at(31);
    const result = await expireSubscriptions(t.db, { now });
    expect(result.expired).toBe(2);
    // Oldest end first.
    expect(result.ids).toEqual([subs.trialing.id, subs.paid.id]);

    for (const before of [subs.paid, subs.trialing]) {
      const after = await subOf(before.customerId);
      expect(after.status).toBe("expired");
      expect(after.currentPeriodEnd).toEqual(before.currentPeriodEnd);
      expect(after.version).toBe(before.version + 1);
      expect(after.updatedAt).toEqual(now);

      const events = await expiredEvents(before.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ aggregateType: "subscription", occurredAt: now });
      expect(events[0]!.payload).toEqual({
        customerId: before.customerId,
        plan: "premium",
        status: "expired",
        currentPeriodEnd: before.currentPeriodEnd.toISOString(),
        version: before.version + 1,
      });

      const entries = await expireEntries(before.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actorType: "system",
        actorId: "system:scheduler",
        actorEmail: null,
        via: "system",
        entityType: "subscription",
        reason: "The paid period ended",
        occurredAt: now,
      });
      expect(entries[0]!.before).toMatchObject({ status: before.status, version: before.version });
      expect(entries[0]!.after).toMatchObject({
        status: "expired",
        currentPeriodEnd: before.currentPeriodEnd.toISOString(),
        version: before.version + 1,
      });
    }

    // Not yet due at the run's `now` (one paid later, one extended by a renewal): untouched.
    expect(await subOf(subs.later.customerId)).toEqual(subs.later);
    expect(await subOf(subs.renewed.customerId)).toEqual(subs.renewed);
    expect(await expiredEvents(subs.later.id)).toHaveLength(0);
    expect(await expiredEvents(subs.renewed.id)).toHaveLength(0);

    // A second run changes nothing.
    const again = await expireSubscriptions(t.db, { now });
    expect(again).toEqual({ expired: 0, ids: [] });
    expect(await expiredEvents()).toHaveLength(2);
    expect(await expireEntries()).toHaveLength(2);
    expect((await subOf(subs.paid.customerId)).version).toBe(subs.paid.version + 1);

    const verified = await verifyAuditChain(t.db);
    expect(verified.firstBroken).toBeNull();
    expect(verified.ok).toBe(true);
  });

  it("expires nothing before the end, and exactly at the end", async () => {
    const subs = await fourSubscriptions();
    expect(await expireSubscriptions(t.db, { now: at(6) })).toEqual({ expired: 0, ids: [] });
    expect(await expireSubscriptions(t.db, { now: new Date(at(7).getTime() - 1) })).toEqual({
      expired: 0,
      ids: [],
    });
    expect(await expireSubscriptions(t.db, { now: at(7) })).toEqual({ expired: 1, ids: [subs.trialing.id] });
    expect(await expiredEvents()).toHaveLength(1);
  });

  it("takes at most `limit` per run, oldest end first; the next run takes the rest", async () => {
    const subs = await fourSubscriptions();
    const now = at(100);
    expect(await expireSubscriptions(t.db, { now, limit: 1 })).toEqual({
      expired: 1,
      ids: [subs.trialing.id],
    });
    expect(await expireSubscriptions(t.db, { now, limit: 2 })).toEqual({
      expired: 2,
      ids: [subs.paid.id, subs.later.id],
    });
    expect(await expireSubscriptions(t.db, { now })).toEqual({ expired: 1, ids: [subs.renewed.id] });
    expect(await expireSubscriptions(t.db, { now })).toEqual({ expired: 0, ids: [] });
    expect(await expiredEvents()).toHaveLength(4);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("a payment after expiry makes the subscription active again, from now", async () => {
    const id = await customer("comeback");
    await pay(id);
    clock.set(at(40));
    expect((await expireSubscriptions(t.db, { now: at(40) })).expired).toBe(1);
    await pay(id);
    const sub = await subOf(id);
    expect(sub.status).toBe("active");
    expect(sub.currentPeriodEnd).toEqual(at(70));
    expect(await expireSubscriptions(t.db, { now: at(41) })).toEqual({ expired: 0, ids: [] });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it.runIf(backend === "postgres")(
    "two concurrent runs on separate pools expire each subscription once",
    async () => {
      const customerIds: string[] = [];
      for (let i = 0; i < 40; i++) {
        const id = await customer(`racer-${i}`);
        await pay(id);
        customerIds.push(id);
      }
      const other = await openDatabase({ url: t.url!, max: 4 });
      try {
        const now = at(31);
        const [a, b] = await Promise.all([
          expireSubscriptions(t.db, { now }),
          expireSubscriptions(other.db, { now }),
        ]);
        const all = [...a.ids, ...b.ids];
        expect(new Set(all).size).toBe(all.length);
        expect(all).toHaveLength(40);
        expect(a.expired + b.expired).toBe(40);
      } finally {
        await other.close();
      }

      const subs = await t.db.select().from(subscriptions);
      expect(subs).toHaveLength(40);
      for (const s of subs) expect(s.status).toBe("expired");
      const events = await expiredEvents();
      expect(events).toHaveLength(40);
      expect(new Set(events.map((e) => e.aggregateId)).size).toBe(40);
      const entries = await expireEntries();
      expect(entries).toHaveLength(40);
      expect(new Set(entries.map((e) => e.entityId)).size).toBe(40);
      const verified = await verifyAuditChain(t.db);
      expect(verified.firstBroken).toBeNull();
      expect(verified.ok).toBe(true);
    },
  );
});
