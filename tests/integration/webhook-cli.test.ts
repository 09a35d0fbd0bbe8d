import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, payments, webhookEvents } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { lastJson, useCliProcess } from "../support/cli";
import { baseline, insertStaff } from "../support/fixtures";
import { paymentIntentEvent, stripeId } from "../support/stripe-events";

/** Each CLI call is a process that opens and migrates the database: seconds each on a busy machine. */
const SLOW = 600_000;

/** `webhooks list` and `webhooks replay`, as a separate process against a database of its own. */
describe("CLI: webhooks", () => {
  // A pool of 2 on PostgreSQL: seeding and checks read the CLI's database through withDb.
  const { cli, withDb } = useCliProcess("paydesk-cli-webhooks-", { timeout: SLOW, max: 2 });
  /** Row ids: a failed Stripe event (replayable), an ignored one and a processed YooKassa one. */
  let failedId: string;
  let ignoredId: string;

  // Runs after useCliProcess's own beforeAll (hooks run in the order registered).
  beforeAll(async () => {
    await withDb(async (db) => {
      const { customer } = await baseline(db);
      await insertStaff(db, "support", "help@paydesk.test");
      const intent = (customerRef: string) =>
        paymentIntentEvent({
          type: "payment_intent.succeeded",
          intentId: stripeId("pi"),
          amount: 29_900,
          currency: "rub",
          customer: customerRef,
          plan: "basic",
        });
      const failed = intent(customer.email);
      const ignored = intent("nobody@example.com");
      const rows = await db
        .insert(webhookEvents)
        .values([
          {
            provider: "stripe" as const,
            eventId: String(failed.id),
            type: "payment_intent.succeeded",
            payload: failed,
            verification: "stripe-signature",
            receivedAt: new Date("2026-05-01T09:00:00.000Z"),
            processedAt: new Date("2026-05-01T09:00:00.020Z"),
            outcome: "failed" as const,
            error: "Error: Connection terminated unexpectedly",
            attempts: 1,
          },
          {
            provider: "stripe" as const,
            eventId: String(ignored.id),
            type: "payment_intent.succeeded",
            payload: ignored,
            verification: "stripe-signature",
            receivedAt: new Date("2026-05-01T10:00:00.000Z"),
            processedAt: new Date("2026-05-01T10:00:00.020Z"),
            outcome: "ignored" as const,
            outcomeReason: 'No customer matches metadata.paydesk_customer "nobody@example.com"',
            attempts: 1,
          },
          {
            provider: "yookassa" as const,
            eventId: "2d9b4a1e-000f-5000-9000-1b2c3d4e5f60:payment.succeeded",
            type: "payment.succeeded",
            payload: { type: "notification", event: "payment.succeeded", object: { id: "2d9b4a1e" } },
            verification: "ip-allowlist",
            receivedAt: new Date("2026-05-01T11:00:00.000Z"),
            processedAt: new Date("2026-05-01T11:00:00.020Z"),
            outcome: "processed" as const,
            attempts: 1,
          },
        ])
        .returning({ id: webhookEvents.id, outcome: webhookEvents.outcome });
      failedId = rows.find((r) => r.outcome === "failed")!.id;
      ignoredId = rows.find((r) => r.outcome === "ignored")!.id;
    });
  }, SLOW);

  const ADMIN = ["--actor", "admin@paydesk.test"];

  it("lists events newest first, filtered by outcome, provider and type", { timeout: SLOW }, async () => {
    const all = await cli(["webhooks", "list", "--json"]);
    expect(all.stderr).toBe("");
    expect(all.code).toBe(0);
    const events = lastJson(all.stdout).events as { type: string; outcome: string; receivedAt: string }[];
    expect(lastJson(all.stdout).count).toBe(3);
    expect(events.map((e) => e.outcome)).toEqual(["processed", "ignored", "failed"]);
    expect(events[0]!.receivedAt).toBe("2026-05-01T11:00:00.000Z");

    const failed = await cli(["webhooks", "list", "--status", "failed", "--json"]);
    expect(failed.code).toBe(0);
    expect(lastJson(failed.stdout)).toMatchObject({ count: 1, events: [{ id: failedId, attempts: 1 }] });

    const stripe = await cli([
      "webhooks",
      "list",
      "--provider",
      "stripe",
      "--type",
      "Payment_Intent.Succeeded",
    ]);
    expect(stripe.code).toBe(0);
    expect(stripe.stdout).toMatch(/^id\s+received\s+provider\s+type\s+outcome\s+attempts\s+payment/);
    expect(stripe.stdout).toContain(failedId);
    expect(stripe.stdout).toContain(ignoredId);
    expect(stripe.stdout).not.toContain("payment.succeeded ");
    expect(stripe.stdout).toContain("Connection terminated unexpectedly");

    const none = await cli(["webhooks", "list", "--type", "charge.refunded"]);
    expect(none).toMatchObject({ code: 0, stdout: "No webhook events match.\n" });
  });

  it("refuses bad filters with one line and exit 2", { timeout: SLOW }, async () => {
    for (const args of [
      ["--status", "bogus"],
      ["--type", "not a type"],
      ["--provider", "paypal"],
      ["--payment", "123"],
    ]) {
      const result = await cli(["webhooks", "list", ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    }
  });

  it("dry-runs, replays, and replays again as a no-op", { timeout: SLOW }, async () => {
    const dry = await cli(["webhooks", "replay", failedId, "--dry-run", ...ADMIN]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Dry run of webhook event ${failedId}: would end processed`);
    // A payment created by its first provider event is recorded pending, then moved.
    expect(dry.stdout).toContain("3 changes (rolled back):");
    expect(dry.stdout).toMatch(/payment\.create payment:[0-9a-f-]{36}\n(\s+\w+: .*\n)*\s+status: pending\n/);
    expect(dry.stdout).toMatch(
      /payment\.status_change payment:[0-9a-f-]{36}\n(\s+\w+: .*\n)*\s+status: pending → succeeded\n/,
    );
    expect(dry.stdout).toContain("subscription.extend subscription:");
    expect(await withDb((db) => db.select().from(payments))).toHaveLength(0);

    const real = await cli(["webhooks", "replay", failedId, ...ADMIN, "--json"]);
    expect(real.code).toBe(0);
    const result = lastJson(real.stdout) as { paymentId: string; changes: { action: string }[] };
    expect(result).toMatchObject({
      id: failedId,
      dryRun: false,
      outcome: "processed",
      previous: { outcome: "failed" },
    });
    expect(result.changes.map((c) => c.action)).toEqual([
      "payment.create",
      "payment.status_change",
      "subscription.extend",
    ]);

    const again = await cli(["webhooks", "replay", failedId, ...ADMIN]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing changed.");

    await withDb(async (db) => {
      const rows = await db.select().from(payments);
      expect(rows.map((p) => [p.id, p.status, p.provider])).toEqual([
        [result.paymentId, "succeeded", "stripe"],
      ]);
      const replays = await db.select().from(auditLog).where(eq(auditLog.action, "webhook.replay"));
      expect(replays.map((r) => [r.actorEmail, r.via, r.entityId])).toEqual([
        ["admin@paydesk.test", "cli", failedId],
        ["admin@paydesk.test", "cli", failedId],
      ]);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });
  });

  it("needs an active admin, a known event and a well-formed id", { timeout: SLOW }, async () => {
    const support = await cli(["webhooks", "replay", ignoredId, "--actor", "help@paydesk.test"]);
    expect(support.code).toBe(4);
    expect(support.stderr.trim()).toBe("error: help@paydesk.test is support, not an admin");
    const unknown = await cli(["webhooks", "replay", "7c9e6679-7425-40de-944b-e07fc1f90ae7", ...ADMIN]);
    expect(unknown.code).toBe(3);
    const malformed = await cli(["webhooks", "replay", "evt_123", ...ADMIN]);
    expect(malformed.code).toBe(2);
    for (const r of [support, unknown, malformed]) {
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
