import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disputes, refunds, staffUsers } from "@/db/schema";
import type { PaymentStatus } from "@/db/schema/enums";
import { type Actor, type ServiceContext, systemContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import {
  activeSubscriptions,
  dailyRevenue,
  lastUtcDays,
  latestManualChanges,
  type ManualChange,
  monthRevenue,
  monthStatusCounts,
  monthTrialsStarted,
  openMatters,
  successRate,
  utcMonth,
} from "@/lib/overview/queries";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment, recordProviderPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { updatePayment } from "@/lib/payments/update";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt, ctxFor, insertStaff } from "../support/fixtures";

const NOW = new Date("2026-03-15T12:00:00.000Z");

/** A currency's revenue row without lost disputes. */
const noLoss = { lostDisputes: 0, lostMinor: 0n } as const;

/** A status map with every status, zero unless given. */
function statuses(given: Partial<Record<PaymentStatus, number>>): Record<PaymentStatus, number> {
  return {
    pending: 0,
    processing: 0,
    succeeded: 0,
    failed: 0,
    canceled: 0,
    partially_refunded: 0,
    refunded: 0,
    ...given,
  };
}

describe("overview periods", () => {
  it("takes the UTC calendar month, whatever the hour", () => {
    expect(utcMonth(new Date("2026-03-01T00:00:00.000Z"))).toEqual({
      start: new Date("2026-03-01T00:00:00.000Z"),
      end: new Date("2026-04-01T00:00:00.000Z"),
    });
    expect(utcMonth(new Date("2026-02-28T23:59:59.999Z"))).toEqual({
      start: new Date("2026-02-01T00:00:00.000Z"),
      end: new Date("2026-03-01T00:00:00.000Z"),
    });
    expect(utcMonth(new Date("2026-12-31T23:59:59.999Z")).end).toEqual(new Date("2027-01-01T00:00:00.000Z"));
  });

  it("takes 30 whole UTC days up to and including today", () => {
    expect(lastUtcDays(NOW)).toEqual({
      start: new Date("2026-02-14T00:00:00.000Z"),
      end: new Date("2026-03-16T00:00:00.000Z"),
    });
  });
});

describe("overview on an empty database", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("has no revenue, no counts, no rate, and 30 days with no series", async () => {
    expect(await monthRevenue(t.db, NOW)).toEqual([]);
    expect(await openMatters(t.db)).toEqual({ openDisputes: 0, refundsPending: 0 });
    const counts = await monthStatusCounts(t.db, NOW);
    expect(counts).toEqual({ all: statuses({}), paid: statuses({}), total: 0 });
    expect(successRate(counts)).toEqual({ succeeded: 0, unsuccessful: 0, rate: null });
    expect(await activeSubscriptions(t.db, NOW)).toEqual({ active: 0, trialing: 0, total: 0 });
    expect(await monthTrialsStarted(t.db, NOW)).toEqual({ started: 0, voided: 0 });
    const daily = await dailyRevenue(t.db, NOW);
    expect(daily.series).toEqual([]);
    expect(daily.days).toHaveLength(30);
    expect(daily.days[0]).toBe("2026-02-14");
    expect(daily.days[29]).toBe("2026-03-15");
  });
});

describe("overview figures", () => {
  let t: TestDatabase;
  let clock: Clock;
  let cli: ServiceContext;
  let web: ServiceContext;
  let seedCtx: ServiceContext;
  let stripe: ServiceContext;
  let admin: { id: string };
  let eve: { id: string };
  let sam: { id: string };
  let support: { id: string };
  let auditor: { id: string };
  const ids: Record<string, string> = {};
  /** Every manual change made by staff on the web or the CLI, in the order made. */
  const manual: { action: string; paymentId: string; actorId: string; at: Date }[] = [];

  function at(iso: string) {
    clock.set(iso);
  }

  function noted<T extends { payment: { id: string } }>(ctx: ServiceContext, action: string, result: T): T {
    if (ctx.actor.type === "staff" && (ctx.via === "web" || ctx.via === "cli")) {
      manual.push({ action, paymentId: result.payment.id, actorId: ctx.actor.id, at: clock.now() });
    }
    return result;
  }

  async function pay(
    ctx: ServiceContext,
    name: string,
    input: {
      customer: string;
      amount: string;
      currency: string;
      status?: "pending" | "succeeded";
      plan?: string | null;
      kind?: "manual" | "trial";
    },
  ) {
    const result = await createPayment(ctx, {
      status: input.kind === "trial" ? undefined : (input.status ?? "succeeded"),
      method: input.kind === "trial" ? null : "bank_transfer",
      reason: `recording ${name}`,
      ...input,
    });
    ids[name] = result.payment.id;
    return noted(ctx, "payment.create", result);
  }

  async function status(ctx: ServiceContext, name: string, to: PaymentStatus) {
    return noted(
      ctx,
      "payment.status_change",
      await changePaymentStatus(ctx, { paymentId: ids[name]!, status: to, reason: `${name} is ${to}` }),
    );
  }

  beforeAll(async () => {
    t = await freshDatabase();
    clock = clockAt("2026-02-01T00:00:00.000Z");
    const base = await baseline(t.db, clock);
    admin = base.admin;
    cli = base.ctx;
    const staffActor = (u: { id: string; email: string; name: string }, role: "admin"): Actor => ({
      type: "staff",
      id: u.id,
      email: u.email,
      name: u.name,
      role,
    });
    const eveRow = await insertStaff(t.db, "admin", "eve@paydesk.test");
    const samRow = await insertStaff(t.db, "admin", "sam@paydesk.test");
    eve = eveRow;
    sam = samRow;
    support = await insertStaff(t.db, "support", "support@paydesk.test");
    auditor = await insertStaff(t.db, "auditor", "auditor@paydesk.test");
    web = ctxFor(t.db, staffActor(eveRow, "admin"), { via: "web", now: clock.now });
    const samCtx = ctxFor(t.db, staffActor(samRow, "admin"), { via: "web", now: clock.now });
    seedCtx = { ...cli, via: "seed" };
    stripe = { ...systemContext(t.db, "system:stripe", "webhook"), now: clock.now };

    const anna = base.customer.id;
    const boris = (await createCustomer(cli, { email: "boris@example.com", name: "Boris" })).id;
    const carla = (await createCustomer(cli, { email: "carla@example.com", name: "Carla" })).id;
    const dora = (await createCustomer(cli, { email: "dora@example.com", name: "Dora" })).id;

    // Before the chart's window (it starts 14 Feb) and before the month.
    at("2026-02-13T23:00:00.000Z");
    await pay(cli, "beforeWindow", { customer: boris, amount: "50.00", currency: "RUB" });
    // A trial last month: stored `trialing` until 27 Feb, lapsed by now.
    at("2026-02-20T10:00:00.000Z");
    await pay(cli, "carlaTrial", {
      customer: carla,
      amount: "0",
      currency: "RUB",
      plan: "family",
      kind: "trial",
    });
    // Created last month, succeeded this month: March revenue, not a March payment by status.
    at("2026-02-25T09:00:00.000Z");
    await pay(cli, "lateTransfer", { customer: boris, amount: "100.00", currency: "RUB", status: "pending" });
    // The last millisecond of February and the first of March.
    at("2026-02-28T23:59:59.999Z");
    await pay(cli, "lastOfFeb", { customer: anna, amount: "599.00", currency: "RUB", plan: "premium" });
    at("2026-03-01T00:00:00.000Z");
    await pay(cli, "firstOfMar", { customer: anna, amount: "299.00", currency: "RUB", plan: "basic" });
    at("2026-03-02T08:00:00.000Z");
    await pay(web, "usd", { customer: boris, amount: "50.00", currency: "USD" });
    at("2026-03-02T15:00:00.000Z");
    await status(cli, "lateTransfer", "succeeded");
    at("2026-03-03T10:00:00.000Z");
    await pay(cli, "family", { customer: anna, amount: "899.00", currency: "RUB", plan: "family" });
    at("2026-03-04T10:00:00.000Z");
    noted(
      cli,
      "payment.refund",
      await refundPayment(cli, { paymentId: ids.family!, amount: "100.00", reason: "goodwill" }),
    );
    at("2026-03-05T10:00:00.000Z");
    await pay(cli, "eur", { customer: carla, amount: "20.00", currency: "EUR" });
    at("2026-03-06T10:00:00.000Z");
    noted(cli, "payment.refund", await refundPayment(cli, { paymentId: ids.eur!, reason: "charged twice" }));
    at("2026-03-06T11:00:00.000Z");
    await pay(cli, "stillPending", { customer: carla, amount: "100.00", currency: "RUB", status: "pending" });
    at("2026-03-07T10:00:00.000Z");
    await pay(cli, "failed", { customer: carla, amount: "100.00", currency: "RUB", status: "pending" });
    at("2026-03-07T11:00:00.000Z");
    await status(cli, "failed", "failed");
    at("2026-03-08T10:00:00.000Z");
    await pay(cli, "canceled", { customer: carla, amount: "100.00", currency: "RUB", status: "pending" });
    at("2026-03-08T11:00:00.000Z");
    await status(web, "canceled", "canceled");
    at("2026-03-09T10:00:00.000Z");
    await pay(cli, "processing", { customer: carla, amount: "100.00", currency: "RUB", status: "pending" });
    at("2026-03-09T11:00:00.000Z");
    await status(cli, "processing", "processing");
    // A trial this month, still running at NOW (until 17 Mar), and one voided the next day.
    at("2026-03-10T10:00:00.000Z");
    await pay(cli, "doraTrial", {
      customer: dora,
      amount: "0",
      currency: "RUB",
      plan: "basic",
      kind: "trial",
    });
    at("2026-03-11T10:00:00.000Z");
    await pay(cli, "borisTrial", {
      customer: boris,
      amount: "0",
      currency: "RUB",
      plan: "premium",
      kind: "trial",
    });
    at("2026-03-12T10:00:00.000Z");
    await status(cli, "borisTrial", "canceled");
    // Money a provider took: revenue, but nobody's manual change.
    at("2026-03-13T10:00:00.000Z");
    const card = await recordProviderPayment(stripe, {
      provider: "stripe",
      providerPaymentId: "pi_overview_1",
      customer: boris,
      plan: null,
      amountMinor: 2500n,
      currency: "USD",
      status: "succeeded",
    });
    ids.card = card.payment.id;
    at("2026-03-14T09:00:00.000Z");
    await pay(cli, "jpy", { customer: dora, amount: "1500", currency: "JPY" });
    // A staff change through the seed is not a manual change either.
    at("2026-03-14T10:00:00.000Z");
    await updatePayment(seedCtx, { paymentId: ids.usd!, description: "seeded note", reason: "demo data" });
    // Sam edits a payment, then becomes a support agent: their own entries stay theirs.
    at("2026-03-14T11:00:00.000Z");
    noted(
      samCtx,
      "payment.update",
      await updatePayment(samCtx, {
        paymentId: ids.jpy!,
        description: "Paid at the desk",
        reason: "receipt",
      }),
    );
    await t.db.update(staffUsers).set({ role: "support" }).where(eq(staffUsers.id, samRow.id));
  });

  afterAll(async () => {
    await t?.close();
  });

  it("sums this month's succeeded revenue per currency: gross, refunded of it, net", async () => {
    expect(await monthRevenue(t.db, NOW)).toEqual([
      { currency: "EUR", payments: 1, grossMinor: 2000n, refundedMinor: 2000n, ...noLoss, netMinor: 0n },
      { currency: "JPY", payments: 1, grossMinor: 1500n, refundedMinor: 0n, ...noLoss, netMinor: 1500n },
      // 299.00 on 1 Mar 00:00:00.000, 100.00 created in Feb and succeeded in Mar, 899.00 less 100.00
      {
        currency: "RUB",
        payments: 3,
        grossMinor: 129_800n,
        refundedMinor: 10_000n,
        ...noLoss,
        netMinor: 119_800n,
      },
      { currency: "USD", payments: 2, grossMinor: 7500n, refundedMinor: 0n, ...noLoss, netMinor: 7500n },
    ]);
  });

  it("puts the last millisecond of February in February", async () => {
    expect(await monthRevenue(t.db, new Date("2026-02-28T23:59:59.999Z"))).toEqual([
      // 50.00 on 13 Feb and 599.00 on 28 Feb 23:59:59.999; the February trial took nothing
      { currency: "RUB", payments: 2, grossMinor: 64_900n, refundedMinor: 0n, ...noLoss, netMinor: 64_900n },
    ]);
    expect(await monthTrialsStarted(t.db, new Date("2026-02-01T00:00:00.000Z"))).toEqual({
      started: 1,
      voided: 0,
    });
  });

  it("counts this month's payments by their current status, with and without trials", async () => {
    const counts = await monthStatusCounts(t.db, NOW);
    expect(counts).toEqual({
      all: statuses({
        succeeded: 5, // firstOfMar, usd, doraTrial, card, jpy
        partially_refunded: 1,
        refunded: 1,
        pending: 1,
        processing: 1,
        failed: 1,
        canceled: 2, // canceled, borisTrial (voided)
      }),
      paid: statuses({
        succeeded: 4,
        partially_refunded: 1,
        refunded: 1,
        pending: 1,
        processing: 1,
        failed: 1,
        canceled: 1,
      }),
      total: 12,
    });
  });

  it("rates success over paid payments with an outcome: (4 + 1 + 1) of (6 + failed + canceled)", async () => {
    expect(successRate(await monthStatusCounts(t.db, NOW))).toEqual({
      succeeded: 6,
      unsuccessful: 2,
      rate: 0.75,
    });
  });

  it("counts running subscriptions, not the lapsed or revoked ones", async () => {
    // anna: premium (to 30 Mar), basic (to 31 Mar), family (to 2 Apr); dora: trial to 17 Mar;
    // carla's February trial lapsed on 27 Feb (still stored trialing); boris's trial was voided.
    expect(await activeSubscriptions(t.db, NOW)).toEqual({ active: 3, trialing: 1, total: 4 });
    expect(await activeSubscriptions(t.db, new Date("2026-04-01T00:00:00.000Z"))).toEqual({
      active: 1,
      trialing: 0,
      total: 1,
    });
  });

  it("counts trials that started this month, and how many were voided since", async () => {
    expect(await monthTrialsStarted(t.db, NOW)).toEqual({ started: 2, voided: 1 });
  });

  it("gives 30 zero-filled UTC days of gross revenue per currency", async () => {
    const daily = await dailyRevenue(t.db, NOW);
    const days = Array.from({ length: 30 }, (_, i) =>
      new Date(Date.UTC(2026, 1, 14 + i)).toISOString().slice(0, 10),
    );
    expect(daily.days).toEqual(days);
    const on = (values: Record<string, bigint>) => days.map((d) => values[d] ?? 0n);
    expect(daily.series).toEqual([
      { currency: "EUR", points: on({ "2026-03-05": 2000n }), totalMinor: 2000n, payments: 1 },
      { currency: "JPY", points: on({ "2026-03-14": 1500n }), totalMinor: 1500n, payments: 1 },
      {
        currency: "RUB",
        points: on({
          "2026-02-28": 59_900n,
          "2026-03-01": 29_900n,
          "2026-03-02": 10_000n,
          "2026-03-03": 89_900n,
        }),
        totalMinor: 189_700n,
        payments: 4,
      },
      {
        currency: "USD",
        points: on({ "2026-03-02": 5000n, "2026-03-13": 2500n }),
        totalMinor: 7500n,
        payments: 2,
      },
    ]);
  });

  it("bins days in UTC whatever the session's time zone, across a daylight-saving change", async () => {
    const utc = await dailyRevenue(t.db, NOW);
    // New York moves its clocks on 8 Mar 2026, inside the window.
    const newYork = await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local time zone 'America/New_York'`);
      return dailyRevenue(tx, NOW);
    });
    expect(newYork).toEqual(utc);
  });

  const summary = (c: ManualChange) => ({
    action: c.effect.action,
    paymentId: c.paymentId,
    actorId: c.actorId,
  });

  it("lists the ten latest manual changes to payments, newest first, for admins and auditors", async () => {
    const expected = manual
      .slice(-10)
      .reverse()
      .map((m) => ({ action: m.action, paymentId: m.paymentId, actorId: m.actorId }));
    expect(manual.length).toBeGreaterThan(10);
    const forAdmin = await latestManualChanges(t.db, { id: admin.id, role: "admin" });
    expect(forAdmin.map(summary)).toEqual(expected);
    expect(forAdmin.map((c) => c.at)).toEqual(
      manual
        .slice(-10)
        .reverse()
        .map((m) => m.at),
    );
    const forAuditor = await latestManualChanges(t.db, { id: auditor.id, role: "auditor" });
    expect(forAuditor.map(summary)).toEqual(expected);
    // Neither the provider's payment nor the seeded edit is there.
    expect(forAdmin.some((c) => c.paymentId === ids.card)).toBe(false);
    expect(forAdmin.some((c) => c.effect.action === "payment.update" && c.paymentId === ids.usd)).toBe(false);
  });

  it("says who, what, when, why and for which customer", async () => {
    const all = await latestManualChanges(t.db, { id: admin.id, role: "admin" }, 50);
    expect(all).toHaveLength(manual.length);
    const find = (action: string, name: string) =>
      all.find((c) => c.effect.action === action && c.paymentId === ids[name]);

    expect(find("payment.update", "jpy")).toMatchObject({
      actorId: sam.id,
      actorEmail: "sam@paydesk.test",
      actorName: "Test admin",
      actorRole: "admin",
      via: "web",
      reason: "receipt",
      customerEmail: "dora@example.com",
      at: new Date("2026-03-14T11:00:00.000Z"),
      effect: { action: "payment.update", fields: ["description"] },
    });
    expect(find("payment.refund", "family")).toMatchObject({
      actorId: admin.id,
      actorEmail: "admin@paydesk.test",
      via: "cli",
      reason: "goodwill",
      customerEmail: "anna@example.com",
      effect: {
        action: "payment.refund",
        amountMinor: 10_000n,
        currency: "RUB",
        to: "partially_refunded",
        revokeAccess: false,
      },
    });
    expect(find("payment.refund", "eur")?.effect).toEqual({
      action: "payment.refund",
      amountMinor: 2000n,
      currency: "EUR",
      to: "refunded",
      revokeAccess: true,
    });
    expect(find("payment.status_change", "canceled")).toMatchObject({
      actorId: eve.id,
      via: "web",
      reason: "canceled is canceled",
      effect: { action: "payment.status_change", from: "pending", to: "canceled" },
    });
    expect(find("payment.status_change", "borisTrial")?.effect).toEqual({
      action: "payment.status_change",
      from: "succeeded",
      to: "canceled",
    });
    expect(find("payment.create", "jpy")?.effect).toEqual({
      action: "payment.create",
      status: "succeeded",
      kind: "manual",
      amountMinor: 1500n,
      currency: "JPY",
    });
    expect(find("payment.create", "doraTrial")?.effect).toEqual({
      action: "payment.create",
      status: "succeeded",
      kind: "trial",
      amountMinor: 0n,
      currency: "RUB",
    });
  });

  it("shows support only their own changes", async () => {
    expect(await latestManualChanges(t.db, { id: support.id, role: "support" })).toEqual([]);
    // Sam changed a payment as an admin and is support now: that one entry, nobody else's.
    const forSam = await latestManualChanges(t.db, { id: sam.id, role: "support" });
    expect(forSam.map(summary)).toEqual([{ action: "payment.update", paymentId: ids.jpy, actorId: sam.id }]);
  });
});

describe("overview with disputes and refunds waiting at the provider", () => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await freshDatabase();
    const clock = clockAt("2026-01-15T10:00:00.000Z");
    const base = await baseline(t.db, clock);
    const stripe: ServiceContext = { ...systemContext(t.db, "system:stripe", "webhook"), now: clock.now };
    const card = async (name: string, at: string, amountMinor: bigint, currency: string) => {
      clock.set(at);
      const { payment } = await recordProviderPayment(stripe, {
        provider: "stripe",
        providerPaymentId: `pi_${name}`,
        customer: base.customer.id,
        plan: null,
        amountMinor,
        currency,
        status: "succeeded",
      });
      ids[name] = payment.id;
    };
    await card("jan", "2026-01-15T10:00:00.000Z", 1500n, "JPY");
    await card("feb", "2026-02-10T10:00:00.000Z", 10_000n, "USD");
    await card("mar1", "2026-03-02T10:00:00.000Z", 5000n, "USD");
    await card("mar2", "2026-03-03T10:00:00.000Z", 3000n, "USD");
    await card("eur", "2026-03-04T10:00:00.000Z", 2000n, "EUR");
    await card("mar3", "2026-03-08T10:00:00.000Z", 700n, "USD");

    // Disputes as the provider state leaves them, written directly.
    const dispute = (
      name: string,
      kind: "inquiry" | "chargeback",
      status: "open" | "won" | "lost" | "closed",
      amountMinor: bigint,
      currency: string,
      openedAt: string,
      closedAt: string | null,
    ) => ({
      paymentId: ids[name]!,
      provider: "stripe" as const,
      providerDisputeId: `dp_${name}`,
      kind,
      status,
      providerStatus: status === "open" ? "needs_response" : status === "closed" ? "warning_closed" : status,
      amountMinor,
      currency,
      openedAt: new Date(openedAt),
      closedAt: closedAt ? new Date(closedAt) : null,
      updatedAt: new Date(closedAt ?? openedAt),
    });
    await t.db.insert(disputes).values([
      // A February sale lost in March: off March's net, not February's.
      dispute(
        "feb",
        "chargeback",
        "lost",
        10_000n,
        "USD",
        "2026-02-20T10:00:00.000Z",
        "2026-03-05T10:00:00.000Z",
      ),
      // Lost on the last millisecond of March.
      dispute(
        "mar3",
        "chargeback",
        "lost",
        700n,
        "USD",
        "2026-03-09T10:00:00.000Z",
        "2026-03-31T23:59:59.999Z",
      ),
      // A March sale lost in April: April's.
      dispute(
        "mar1",
        "chargeback",
        "lost",
        5000n,
        "USD",
        "2026-03-10T10:00:00.000Z",
        "2026-04-01T00:00:00.000Z",
      ),
      // A January sale lost in March, in a currency with no March sale.
      dispute(
        "jan",
        "chargeback",
        "lost",
        1500n,
        "JPY",
        "2026-02-01T10:00:00.000Z",
        "2026-03-10T10:00:00.000Z",
      ),
      // Won, closed without loss, still open: none of them takes anything.
      dispute(
        "mar2",
        "chargeback",
        "won",
        3000n,
        "USD",
        "2026-03-04T10:00:00.000Z",
        "2026-03-06T10:00:00.000Z",
      ),
      dispute("eur", "inquiry", "open", 2000n, "EUR", "2026-03-07T10:00:00.000Z", null),
    ]);
    // Refunds the provider has not confirmed (pending) or refused (failed): not refunded.
    const refund = (name: string, amountMinor: bigint, status: "pending" | "failed") => ({
      paymentId: ids[name]!,
      amountMinor,
      currency: "USD",
      reason: "customer asked",
      provider: "stripe" as const,
      status,
      actor: "admin@paydesk.test",
      createdAt: new Date("2026-03-12T10:00:00.000Z"),
    });
    await t.db.insert(refunds).values([refund("mar2", 1000n, "pending"), refund("mar1", 500n, "failed")]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("takes lost disputes off net revenue in the month they were lost, per currency", async () => {
    expect(await monthRevenue(t.db, NOW)).toEqual([
      { currency: "EUR", payments: 1, grossMinor: 2000n, refundedMinor: 0n, ...noLoss, netMinor: 2000n },
      {
        currency: "JPY",
        payments: 0,
        grossMinor: 0n,
        refundedMinor: 0n,
        lostDisputes: 1,
        lostMinor: 1500n,
        netMinor: -1500n,
      },
      // 50.00 + 30.00 + 7.00 sold; 100.00 (February's sale) and 7.00 lost in March.
      {
        currency: "USD",
        payments: 3,
        grossMinor: 8700n,
        refundedMinor: 0n,
        lostDisputes: 2,
        lostMinor: 10_700n,
        netMinor: -2000n,
      },
    ]);
  });

  it("leaves a month's net alone for disputes lost in another month", async () => {
    expect(await monthRevenue(t.db, new Date("2026-02-15T00:00:00.000Z"))).toEqual([
      { currency: "USD", payments: 1, grossMinor: 10_000n, refundedMinor: 0n, ...noLoss, netMinor: 10_000n },
    ]);
    expect(await monthRevenue(t.db, new Date("2026-04-15T00:00:00.000Z"))).toEqual([
      {
        currency: "USD",
        payments: 0,
        grossMinor: 0n,
        refundedMinor: 0n,
        lostDisputes: 1,
        lostMinor: 5000n,
        netMinor: -5000n,
      },
    ]);
  });

  it("counts open disputes and pending refunds, not won, lost or failed ones", async () => {
    expect(await openMatters(t.db)).toEqual({ openDisputes: 1, refundsPending: 1 });
  });
});
