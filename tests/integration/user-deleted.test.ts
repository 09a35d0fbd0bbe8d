import type { JsMsg } from "@nats-io/jetstream";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/rows";
import {
  auditLog,
  customers,
  domainEvents,
  inboundMessages,
  type Payment,
  refundSuggestions,
  subscriptionGrants,
  subscriptions,
  webhookEvents,
} from "@/db/schema";
import { handleDelivery, MAX_DELIVERIES, messageIdOf } from "@/lib/accounts/consumer";
import { retryParkedMessage } from "@/lib/accounts/retry";
import { ACCOUNTS_ACTOR, handleUserDeleted } from "@/lib/accounts/user-deleted";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor, ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { ERASED_NAME, tombstoneEmail } from "@/lib/customers/erase";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { listReview } from "@/lib/review/list";
import { dismissRefundSuggestion } from "@/lib/review/suggestions";
import { addDays } from "@/lib/subscriptions/arithmetic";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { snapshot } from "../support/db-snapshot";
import { baseline, type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";

/** `accounts.user.deleted`: cancel, suggest refunds of the unused time, erase; once per message id. */

const START = "2026-01-01T00:00:00.000Z";
const at = (days: number) => addDays(new Date(START), days);
const SUBJECT = "accounts.user.deleted";
const EMAIL = "anna@example.com";
const NAME = "Anna Petrova";
const REF = "acct-7f3a91";

const message = (messageId: string, body: unknown) => ({
  subject: SUBJECT,
  messageId,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** Every row of every table, as sorted JSON text: equal snapshots mean nothing changed anywhere. */
async function everything(db: Db): Promise<Record<string, string[]>> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await queryRows<{ j: string }>(
      db,
      sql.raw(`select row_to_json(t)::text as j from "${name}" t`),
    );
    out[name] = rows.map((r) => r.j).sort();
  }
  return out;
}

describe("user.deleted", () => {
  let t: TestDatabase;
  let clock: Clock;
  let ctx: ServiceContext;
  let admin: Actor;
  let anna: string;
  let boris: string;
  const pay: Record<string, Payment> = {};

  beforeEach(async () => {
    t = await freshDatabase();
    clock = clockAt(START);
    const base = await baseline(t.db, clock);
    ctx = base.ctx;
    admin = base.actor;
    anna = base.customer.id;
    await t.db.update(customers).set({ externalRef: REF }).where(eq(customers.id, anna));
    boris = (
      await createCustomer(ctx, { email: "boris@example.com", name: "Boris", externalRef: "acct-boris" })
    ).id;

    const paid = async (plan: string, amount: string, extra: Record<string, unknown> = {}) =>
      (
        await createPayment(ctx, {
          customer: anna,
          plan,
          amount,
          currency: "RUB",
          status: "succeeded",
          method: "bank_transfer",
          reason: "transfer received",
          ...extra,
        })
      ).payment;
    // Day 0: premium and basic for 30 days; the premium one names Anna in its description and metadata.
    pay.premium = await paid("premium", "599.00", {
      description: `Paid by ${NAME} (${EMAIL})`,
      metadata: { paydesk_customer: EMAIL, contact: NAME, ref: REF },
    });
    pay.basic = await paid("basic", "299.00");
    // Day 5: 100.00 of basic refunded (partial: access kept).
    clock.set(at(5));
    await refundPayment(ctx, { paymentId: pay.basic.id, amount: "100.00", reason: "goodwill" });
    // Day 10: premium renewed early, stacked on top: it counts for days 30–60.
    clock.set(at(10));
    pay.renewal = await paid("premium", "599.00");
    // Day 15: a family trial, running until day 22.
    clock.set(at(15));
    pay.trial = (
      await createPayment(ctx, {
        customer: anna,
        plan: "family",
        kind: "trial",
        amount: "0",
        currency: "RUB",
        reason: "trial",
      })
    ).payment;
    // A provider notification about the premium payment, with the provider's copy of her details.
    await t.db.insert(webhookEvents).values({
      provider: "stripe",
      eventId: "evt_anna",
      type: "payment_intent.succeeded",
      payload: {
        data: {
          object: {
            receipt_email: "Anna@Example.com",
            metadata: { paydesk_customer: EMAIL },
            billing_details: { name: NAME },
          },
        },
      },
      receivedAt: at(0),
      paymentId: pay.premium.id,
    });
    // Boris pays too: nothing of his may change.
    clock.set(at(12));
    await createPayment(ctx, {
      customer: boris,
      plan: "premium",
      amount: "599.00",
      currency: "RUB",
      status: "succeeded",
      method: "cash",
      reason: "cash",
    });
    clock.set(at(18));
  });
  afterEach(async () => {
    await t.close();
  });

  const handle = (id: string, body: unknown) =>
    handleUserDeleted(t.db, message(id, body), { now: clock.now });

  it("cancels the running subscriptions, suggests the unused money back, and erases the customer", async () => {
    const result = await handle("m-1", { user_id: REF });
    expect(result).toMatchObject({ outcome: "processed", customerId: anna, alreadyErased: false });
    if (result.outcome !== "processed") throw new Error("not processed");
    expect(result.canceled).toHaveLength(3);

    // Every subscription canceled now; access ends now.
    const subs = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, anna));
    expect(subs).toHaveLength(3);
    for (const s of subs) {
      expect(s).toMatchObject({ status: "canceled", canceledAt: at(18), currentPeriodEnd: at(18) });
    }
    // The grants stay as bought: none revoked (the money did not go back).
    const grants = await t.db
      .select()
      .from(subscriptionGrants)
      .innerJoin(subscriptions, eq(subscriptions.id, subscriptionGrants.subscriptionId))
      .where(eq(subscriptions.customerId, anna));
    expect(grants).toHaveLength(4);
    expect(grants.every((g) => g.subscription_grants.revokedAt === null)).toBe(true);

    // Events: one subscription.canceled per subscription, one customer.erased.
    const canceled = await t.db
      .select()
      .from(domainEvents)
      .where(eq(domainEvents.type, "subscription.canceled"))
      .orderBy(asc(domainEvents.position));
    expect(canceled.map((e) => e.aggregateId).sort()).toEqual(subs.map((s) => s.id).sort());
    const plans = new Map(subs.map((s) => [s.id, s.planId]));
    for (const e of canceled) {
      expect(e.payload).toEqual({
        customerId: anna,
        plan: expect.stringMatching(/^(premium|basic|family)$/),
        status: "canceled",
        version: expect.any(Number),
        currentPeriodEnd: at(18).toISOString(),
        canceledAt: at(18).toISOString(),
        reason: "user_deleted",
      });
      expect(plans.has(e.aggregateId)).toBe(true);
    }
    expect(new Set(canceled.map((e) => (e.payload as { plan: string }).plan))).toEqual(
      new Set(["premium", "basic", "family"]),
    );
    const erased = await t.db.select().from(domainEvents).where(eq(domainEvents.type, "customer.erased"));
    expect(erased).toHaveLength(1);
    expect(erased[0]).toMatchObject({
      aggregateType: "customer",
      aggregateId: anna,
      payload: { customerId: anna, erasedAt: at(18).toISOString() },
    });

    // Suggestions: integer proration of what is left, rounded down; none for the free trial.
    const suggestions = await t.db.select().from(refundSuggestions);
    const byPayment = new Map(suggestions.map((s) => [s.paymentId, s]));
    expect(suggestions).toHaveLength(3);
    expect(byPayment.get(pay.premium!.id)).toMatchObject({
      amountMinor: 23_960n, // 599.00 × 12/30
      currency: "RUB",
      reason: "User deleted: 12 of 30 days unused",
      source: "user.deleted",
      status: "open",
      customerId: anna,
    });
    expect(byPayment.get(pay.basic!.id)).toMatchObject({
      amountMinor: 7_960n, // (299.00 − 100.00) × 12/30
      reason: "User deleted: 12 of 30 days unused",
    });
    expect(byPayment.get(pay.renewal!.id)).toMatchObject({
      amountMinor: 59_900n, // days 30–60: all of it unused
      reason: "User deleted: 30 of 30 days unused",
    });
    expect(byPayment.has(pay.trial!.id)).toBe(false);
    expect(result.suggestions).toHaveLength(3);

    // The customer is a tombstone.
    const [row] = await t.db.select().from(customers).where(eq(customers.id, anna));
    expect(row).toMatchObject({
      email: tombstoneEmail(anna),
      name: ERASED_NAME,
      externalRef: null,
      erasedAt: at(18),
    });
    expect(tombstoneEmail(anna)).toBe(`erased+${anna}@erased.invalid`);

    // Her email, name and reference are gone from every table but the audit log, which keeps them.
    const all = await everything(t.db);
    for (const [table, rows] of Object.entries(all)) {
      const text = rows.join("\n").toLowerCase();
      if (table === "audit_log") {
        expect(text).toContain(EMAIL);
        continue;
      }
      expect(text, table).not.toContain(EMAIL);
      expect(text, table).not.toContain(NAME.toLowerCase());
      expect(text, table).not.toContain(REF);
    }
    // Payments, amounts and what links them stay.
    const [premium] = all.payments!.filter((r) => r.includes(pay.premium!.id));
    expect(JSON.parse(premium!)).toMatchObject({
      amount_minor: 59_900,
      customer_id: anna,
      description: `Paid by ${ERASED_NAME} (${tombstoneEmail(anna)})`,
      metadata: { paydesk_customer: tombstoneEmail(anna), contact: ERASED_NAME, ref: "[erased]" },
    });

    // Boris is untouched.
    const [b] = await t.db.select().from(customers).where(eq(customers.id, boris));
    expect(b).toMatchObject({
      email: "boris@example.com",
      name: "Boris",
      externalRef: "acct-boris",
      erasedAt: null,
    });
    const borisSubs = await t.db.select().from(subscriptions).where(eq(subscriptions.customerId, boris));
    expect(borisSubs.map((s) => s.status)).toEqual(["active"]);

    // Audited as the accounts system, naming the message; the erasure entry holds no personal data.
    const entries = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actorId, ACCOUNTS_ACTOR))
      .orderBy(asc(auditLog.occurredAt));
    expect(entries.map((e) => e.action).sort()).toEqual([
      "customer.erase",
      "refund_suggestion.create",
      "refund_suggestion.create",
      "refund_suggestion.create",
      "subscription.cancel",
      "subscription.cancel",
      "subscription.cancel",
    ]);
    expect(entries.every((e) => e.requestId === "m-1")).toBe(true);
    const erase = entries.find((e) => e.action === "customer.erase")!;
    const eraseText = JSON.stringify([erase.before, erase.after, erase.reason]).toLowerCase();
    expect(eraseText).not.toContain(EMAIL);
    expect(eraseText).not.toContain(NAME.toLowerCase());
    expect(eraseText).not.toContain(REF);
    expect(erase.after).toMatchObject({ email: tombstoneEmail(anna), name: ERASED_NAME, externalRef: null });
    const cancel = entries.find((e) => e.action === "subscription.cancel")!;
    expect(cancel.after).toMatchObject({ status: "canceled", canceledAt: at(18).toISOString() });

    // The chain still verifies: nothing already written was touched.
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, firstBroken: null });

    // The message is recorded as processed, keeping only hashes of the identifiers.
    const [inbound] = await t.db.select().from(inboundMessages);
    expect(inbound).toMatchObject({
      subject: SUBJECT,
      messageId: "m-1",
      status: "processed",
      customerId: anna,
      processedAt: at(18),
      rawExcerpt: null,
    });
    expect(Object.keys(inbound!.payload as object)).toEqual(["userIdSha256"]);
  });

  it("finds the customer by email, case-insensitively", async () => {
    const result = await handle("m-email", { email: "  ANNA@Example.COM " });
    expect(result).toMatchObject({ outcome: "processed", customerId: anna, alreadyErased: false });
    const [row] = await t.db.select().from(customers).where(eq(customers.id, anna));
    expect(row?.erasedAt).toEqual(at(18));
  });

  it("a message id seen before changes nothing, whatever it says now", async () => {
    await handle("m-1", { user_id: REF });
    const before = await everything(t.db);
    clock.set(at(19));
    expect(await handle("m-1", { user_id: REF })).toEqual({ outcome: "duplicate", messageId: "m-1" });
    expect(await handle("m-1", "not even json")).toEqual({ outcome: "duplicate", messageId: "m-1" });
    expect(await everything(t.db)).toEqual(before);
  });

  it("another message about the erased user is processed and changes nothing else", async () => {
    await handle("m-1", { user_id: REF, email: EMAIL });
    const before = await everything(t.db);
    clock.set(at(20));
    for (const [id, body] of [
      ["m-2", { user_id: REF }],
      ["m-3", { email: EMAIL.toUpperCase() }],
    ] as const) {
      expect(await handle(id, body)).toMatchObject({
        outcome: "processed",
        customerId: anna,
        alreadyErased: true,
      });
    }
    const after = await everything(t.db);
    expect({ ...after, inbound_messages: [] }).toEqual({ ...before, inbound_messages: [] });
    const rows = await t.db.select().from(inboundMessages).orderBy(asc(inboundMessages.messageId));
    expect(rows.map((r) => [r.messageId, r.status, r.customerId])).toEqual([
      ["m-1", "processed", anna],
      ["m-2", "processed", anna],
      ["m-3", "processed", anna],
    ]);
    expect(rows[1]?.reason).toMatch(/already been erased/);
  });

  it.skipIf(backend !== "postgres")(
    "two messages about one user at once: one erases, the other finds her erased (PostgreSQL)",
    async () => {
      const results = await Promise.all([
        handle("m-a", { user_id: REF }),
        handle("m-b", { email: EMAIL }),
        handle("m-c", { user_id: REF, email: EMAIL }),
      ]);
      const done = results.map((r) => (r.outcome === "processed" ? r.alreadyErased : r.outcome));
      expect(done.filter((x) => x === false)).toHaveLength(1);
      expect(done.filter((x) => x === true)).toHaveLength(2);
      expect(await t.db.select().from(refundSuggestions)).toHaveLength(3);
      const events = await t.db.select().from(domainEvents).where(eq(domainEvents.type, "customer.erased"));
      expect(events).toHaveLength(1);
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    },
  );

  it("parks a message naming no customer, with the reason, and changes nothing else", async () => {
    const before = await snapshot(t.db);
    const result = await handle("m-x", { user_id: "acct-nobody", email: "nobody@example.com" });
    expect(result).toMatchObject({
      outcome: "parked",
      reason: "No customer with user_id acct-nobody / email nobody@example.com",
    });
    expect(await snapshot(t.db)).toEqual(before);
    const [row] = await t.db.select().from(inboundMessages);
    expect(row).toMatchObject({
      status: "parked",
      reason: "No customer with user_id acct-nobody / email nobody@example.com",
      payload: { user_id: "acct-nobody", email: "nobody@example.com" },
      customerId: null,
    });
    expect(await t.db.select().from(refundSuggestions)).toEqual([]);
  });

  it("parks a message whose user_id and email name two different customers", async () => {
    const result = await handle("m-two", { user_id: REF, email: "boris@example.com" });
    expect(result).toMatchObject({
      outcome: "parked",
      reason: expect.stringMatching(/two different customers/),
    });
    const [row] = await t.db.select().from(customers).where(eq(customers.id, anna));
    expect(row?.erasedAt).toBeNull();
  });

  it.each([
    ["not json", "not json", /^The body is not JSON/, { rawExcerpt: "not json", payload: null }],
    ["an array", "[1,2]", /not an object \(an array\)/, { payload: [1, 2], rawExcerpt: null }],
    ["null", "null", /not an object \(null\)/, { payload: null }],
    ["no identifier", "{}", /neither user_id nor email/, { payload: {} }],
    ["both null", '{"user_id":null,"email":null}', /neither user_id nor email/, {}],
    [
      "a number user_id",
      '{"user_id":42}',
      /^user_id must be a string, not a number$/,
      { payload: { user_id: 42 } },
    ],
    ["an array email", '{"email":["a@b.c"]}', /^email must be a string, not an array$/, {}],
    ["an empty user_id", '{"user_id":"  "}', /^user_id is empty$/, {}],
    ["not an address", '{"email":"anna"}', /is not an email address/, {}],
    [
      "a NUL",
      '{"user_id":"a\\u0000b"}',
      /cannot be stored/,
      { payload: null, rawExcerpt: '{"user_id":"a\\u0000b"}' },
    ],
  ])("parks a poison message (%s) with a specific reason", async (_name, body, reason, kept) => {
    const before = await snapshot(t.db);
    const result = await handleUserDeleted(t.db, message("poison", body), { now: clock.now });
    expect(result).toMatchObject({ outcome: "parked", reason: expect.stringMatching(reason) });
    expect(await snapshot(t.db)).toEqual(before);
    const [row] = await t.db.select().from(inboundMessages);
    expect(row).toMatchObject({ status: "parked", reason: expect.stringMatching(reason), ...kept });
    // Handled once: the same id again is a duplicate.
    expect((await handleUserDeleted(t.db, message("poison", body))).outcome).toBe("duplicate");
  });

  it("keeps a body that is not UTF-8 JSON readable as an excerpt", async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    const result = await handleUserDeleted(t.db, { subject: SUBJECT, messageId: "bin", body: bytes });
    expect(result.outcome).toBe("parked");
    const [row] = await t.db.select().from(inboundMessages);
    expect(row?.rawExcerpt).toBe("\uFFFD\uFFFD\uFFFDA");
  });

  it("a parked message can be retried by an admin once the customer exists; audited", async () => {
    const parked = await handle("m-clara", { email: "clara@example.com" });
    if (parked.outcome !== "parked") throw new Error("expected parked");
    const support = await insertStaff(t.db, "support");
    const supportCtx = ctxFor(t.db, { type: "staff", ...support, role: "support" });
    await expect(
      retryParkedMessage(supportCtx, { inboundId: parked.inboundId, reason: "customer exists now" }),
    ).rejects.toMatchObject({ code: "forbidden" });

    const clara = await createCustomer(ctx, { email: "clara@example.com", name: "Clara Schmidt" });
    const result = await retryParkedMessage(ctx, {
      inboundId: parked.inboundId,
      reason: "customer exists now",
    });
    expect(result).toMatchObject({ outcome: "processed", customerId: clara.id, alreadyErased: false });
    const [row] = await t.db.select().from(customers).where(eq(customers.id, clara.id));
    expect(row).toMatchObject({ name: ERASED_NAME, email: tombstoneEmail(clara.id) });
    const [retry] = await t.db.select().from(auditLog).where(eq(auditLog.action, "inbound_message.retry"));
    expect(retry).toMatchObject({
      actorId: admin.id,
      entityId: parked.inboundId,
      reason: "customer exists now",
      after: { status: "processed", customerId: clara.id },
    });
    await expect(
      retryParkedMessage(ctx, { inboundId: parked.inboundId, reason: "again" }),
    ).rejects.toMatchObject({
      code: "invalid_transition",
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  describe("on the review list", () => {
    it("lists open suggestions with the erased customer's label, and parked messages only when asked", async () => {
      await handle("m-1", { user_id: REF });
      await handle("m-bad", "{oops");
      const review = await listReview(t.db, at(18));
      expect(review.items.every((i) => i.kind)).toBe(true);
      expect(review.suggestions).toHaveLength(3);
      expect(review.suggestions.map((s) => s.amountMinor).sort((a, b) => (a < b ? -1 : 1))).toEqual([
        7_960n,
        23_960n,
        59_900n,
      ]);
      for (const s of review.suggestions) {
        expect(s).toMatchObject({
          customerId: anna,
          customerLabel: ERASED_NAME,
          erased: true,
          currency: "RUB",
        });
      }
      expect(review.suggestions.find((s) => s.paymentId === pay.basic!.id)?.refundableMinor).toBe(19_900n);
      expect(review.parked).toBeNull();
      const withParked = await listReview(t.db, at(18), { includeParked: true });
      expect(withParked.parked).toEqual([
        expect.objectContaining({
          subject: SUBJECT,
          messageId: "m-bad",
          reason: expect.stringMatching(/not JSON/),
          excerpt: "{oops",
          retryable: false,
        }),
      ]);
    });

    it("a refund of at least the suggested amount settles the suggestion; the subscription stays canceled", async () => {
      await handle("m-1", { user_id: REF });
      clock.set(at(19));
      await refundPayment(ctx, { paymentId: pay.premium!.id, amount: "239.60", reason: "unused time" });
      // A partial refund re-checks the payment's access: the canceled subscription must stay canceled.
      const [premiumSub] = await t.db
        .select()
        .from(subscriptions)
        .innerJoin(subscriptionGrants, eq(subscriptionGrants.subscriptionId, subscriptions.id))
        .where(eq(subscriptionGrants.paymentId, pay.premium!.id));
      expect(premiumSub?.subscriptions).toMatchObject({ status: "canceled", currentPeriodEnd: at(18) });

      const review = await listReview(t.db, at(19));
      expect(review.suggestions.map((s) => s.paymentId).sort()).toEqual(
        [pay.basic!.id, pay.renewal!.id].sort(),
      );
      const [settled] = await t.db
        .select()
        .from(refundSuggestions)
        .where(eq(refundSuggestions.paymentId, pay.premium!.id));
      expect(settled).toMatchObject({ status: "refunded", resolvedAt: at(19) });

      // A smaller refund does not settle one.
      await refundPayment(ctx, { paymentId: pay.basic!.id, amount: "10.00", reason: "some of it" });
      expect((await listReview(t.db, at(19))).suggestions).toHaveLength(2);
    });

    // replayAfter (lib/subscriptions/effects.ts) keeps a canceled subscription canceled when a
    // refund revokes one of its grants: money going back never gives access back.
    it("a full refund of a suggested period leaves the canceled subscription canceled", async () => {
      await handle("m-1", { user_id: REF });
      clock.set(at(19));
      await refundPayment(ctx, { paymentId: pay.renewal!.id, reason: "unused prepaid period" });
      const [sub] = await t.db
        .select()
        .from(subscriptions)
        .innerJoin(subscriptionGrants, eq(subscriptionGrants.subscriptionId, subscriptions.id))
        .where(eq(subscriptionGrants.paymentId, pay.renewal!.id));
      expect(sub?.subscriptions).toMatchObject({ status: "canceled", currentPeriodEnd: at(18) });
    });

    it("an admin dismisses a suggestion with a reason, audited; others may not", async () => {
      await handle("m-1", { user_id: REF });
      const [s] = await t.db
        .select()
        .from(refundSuggestions)
        .where(and(eq(refundSuggestions.paymentId, pay.renewal!.id)));
      const support = await insertStaff(t.db, "support");
      const supportCtx = ctxFor(t.db, { type: "staff", ...support, role: "support" });
      await expect(
        dismissRefundSuggestion(supportCtx, { suggestionId: s!.id, reason: "no" }),
      ).rejects.toMatchObject({
        code: "forbidden",
      });
      await expect(dismissRefundSuggestion(ctx, { suggestionId: s!.id, reason: "" })).rejects.toMatchObject({
        code: "validation",
      });
      const dismissed = await dismissRefundSuggestion(ctx, {
        suggestionId: s!.id,
        reason: "terms: no refunds for prepaid periods",
      });
      expect(dismissed).toMatchObject({ status: "dismissed", resolvedByStaffId: admin.id });
      const [entry] = await t.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.action, "refund_suggestion.dismiss"));
      expect(entry).toMatchObject({
        entityType: "refund_suggestion",
        entityId: s!.id,
        actorId: admin.id,
        reason: "terms: no refunds for prepaid periods",
        after: { status: "dismissed" },
      });
      await expect(
        dismissRefundSuggestion(ctx, { suggestionId: s!.id, reason: "again" }),
      ).rejects.toMatchObject({
        code: "invalid_transition",
      });
      expect((await listReview(t.db, at(18))).suggestions.map((x) => x.id)).not.toContain(s!.id);
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    });
  });

  describe("a delivery that fails for a reason outside the message", () => {
    /** The database as it looks while it is unreachable: every transaction fails. */
    function downDb(): Db {
      return new Proxy(t.db, {
        get(target, prop) {
          if (prop === "transaction")
            return () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    }

    function delivery(deliveryCount: number, msgId?: string) {
      const headers = new Map<string, string>(msgId ? [["Nats-Msg-Id", msgId]] : []);
      const m = {
        subject: SUBJECT,
        data: new TextEncoder().encode(JSON.stringify({ user_id: REF })),
        headers: { get: (k: string) => headers.get(k) ?? "" },
        info: { stream: "ACCOUNTS", streamSequence: 41, deliveryCount },
        nak: vi.fn(),
        ackAck: vi.fn(async () => true),
      };
      return m as typeof m & JsMsg;
    }

    it("keys messages by Nats-Msg-Id, else by stream and sequence", () => {
      expect(messageIdOf(delivery(1, "evt-9"))).toBe("evt-9");
      expect(messageIdOf(delivery(1))).toBe("ACCOUNTS:41");
    });

    it("is nak'ed with a delay, not parked, while deliveries remain", async () => {
      const m = delivery(3);
      const { outcome, error } = await handleDelivery(downDb(), m);
      expect(outcome).toBe("retry");
      expect(error).toMatch(/ECONNREFUSED/);
      expect(m.nak).toHaveBeenCalledWith(4_000);
      expect(m.ackAck).not.toHaveBeenCalled();
      expect(await t.db.select().from(inboundMessages)).toEqual([]);
      const [c] = await t.db.select().from(customers).where(eq(customers.id, anna));
      expect(c?.erasedAt).toBeNull();
    });

    it("is parked with its last error at the last allowed delivery, and acked", async () => {
      const m = delivery(MAX_DELIVERIES, "evt-stuck");
      // Transactions fail (say, a lock timeout every time); a single insert still works.
      const { outcome } = await handleDelivery(downDb(), m);
      expect(outcome).toBe("parked");
      expect(m.ackAck).toHaveBeenCalled();
      expect(m.nak).not.toHaveBeenCalled();
      const [row] = await t.db.select().from(inboundMessages);
      expect(row).toMatchObject({
        messageId: "evt-stuck",
        status: "parked",
        reason: `Failed ${MAX_DELIVERIES} times; last error: connect ECONNREFUSED 127.0.0.1:5432`,
        payload: { user_id: REF },
      });
      // A person can retry it on what was stored.
      const retried = await retryParkedMessage(ctx, { inboundId: row!.id, reason: "database is back" });
      expect(retried).toMatchObject({ outcome: "processed", customerId: anna });
    });
  });
});
