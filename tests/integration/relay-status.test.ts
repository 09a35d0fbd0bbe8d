import { randomUUID } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import { eq, isNull, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { domainEvents, jobLeases } from "@/db/schema";
import { emitEvent } from "@/lib/events/emit";
import {
  emptyRelayStatus,
  RELAY_JOB,
  type RelayLoop,
  type RelayReport,
  runRelayLoop,
  type StreamTarget,
} from "@/lib/events/relay";
import { ago, relayOverview, relayStatusLine } from "@/lib/overview/relay-status";
import { freshDatabase, type TestDatabase } from "../support/db";
import {
  deleteStream,
  freePort,
  natsReachable,
  readStream,
  SHARED_NATS_URL,
  streamProblems,
} from "../support/nats-server";

/**
 * The relay loop's report on its lease row, and what the overview's status line and the health
 * route make of it (lib/overview/relay-status.ts), on PGlite and PostgreSQL.
 */

const natsUp = await natsReachable();
if (!natsUp) console.warn(`relay-status: no NATS at ${SHARED_NATS_URL}; the tests that publish are skipped`);

let t: TestDatabase;
beforeEach(async () => {
  t = await freshDatabase();
});
afterEach(async () => {
  await t.close();
});

async function writeEvents(aggregates: string[], perAggregate: number): Promise<void> {
  for (let i = 0; i < perAggregate; i++) {
    for (const id of aggregates) {
      await t.db.transaction(async (tx) => {
        await emitEvent(tx, {
          type: i === 0 ? "payment.created" : "payment.updated",
          aggregateType: "payment",
          aggregateId: id,
          payload: { step: i },
          at: new Date(),
        });
      });
    }
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function relayRow() {
  const [row] = await t.db.select().from(jobLeases).where(eq(jobLeases.name, RELAY_JOB));
  return row;
}

describe("the overview's status line, from the relay row and the outbox", () => {
  const now = new Date("2026-03-15T12:00:00.000Z");

  it("without NATS_URL and without a report: events wait in the outbox", async () => {
    await writeEvents([randomUUID()], 3);
    const o = await relayOverview(t.db, { now, natsUrl: undefined });
    expect(o).toMatchObject({ state: "off", natsConfigured: false, backlog: 3, holder: null });
    expect(relayStatusLine(o, now)).toBe("Events: NATS_URL not set — events wait in the outbox (3)");
  });

  it("NATS_URL set but no relay has reported", async () => {
    const o = await relayOverview(t.db, { now, natsUrl: "nats://127.0.0.1:4222" });
    expect(o.state).toBe("silent");
    expect(relayStatusLine(o, now)).toBe("Events: the relay has not reported yet (0 waiting)");
  });

  it("a fresh report without an error: relayed, the backlog, when the last event went out", async () => {
    await writeEvents([randomUUID(), randomUUID()], 2);
    const report: RelayReport = {
      connected: true,
      backlog: 0,
      lastPublishedAt: new Date(now.getTime() - 12_000).toISOString(),
      lastLagMs: 40,
      failingSince: null,
      publishedTotal: 10,
    };
    await t.db.insert(jobLeases).values({
      name: RELAY_JOB,
      holder: "host:1:relay",
      leaseUntil: new Date(now.getTime() + 10_000),
      lastFinishedAt: new Date(now.getTime() - 1_000),
      lastResult: { ...report },
    });
    // Another instance, without NATS_URL, still shows what the relaying one reports.
    const o = await relayOverview(t.db, { now, natsUrl: undefined });
    expect(o).toMatchObject({
      state: "relaying",
      holder: "host:1:relay",
      backlog: 4,
      connected: true,
      lastLagMs: 40,
      lastError: null,
    });
    expect(relayStatusLine(o, now)).toBe("Events: relayed to NATS, backlog 4, last published 12 s ago");
  });

  it("a fresh report with an error: unreachable since when, and how many wait", async () => {
    await writeEvents([randomUUID()], 5);
    const since = new Date(now.getTime() - 3 * 60_000);
    await t.db.insert(jobLeases).values({
      name: RELAY_JOB,
      holder: "host:2:relay",
      leaseUntil: new Date(now.getTime() + 10_000),
      lastFinishedAt: new Date(now.getTime() - 2_000),
      lastResult: { connected: false, backlog: 5, lastPublishedAt: null, failingSince: since.toISOString() },
      lastError: "NATS unreachable at nats://127.0.0.1:4222 (reconnecting)",
    });
    const o = await relayOverview(t.db, { now, natsUrl: "nats://127.0.0.1:4222" });
    expect(o).toMatchObject({ state: "failing", connected: false, failingSince: since });
    expect(relayStatusLine(o, now)).toBe(
      "Events: NATS unreachable since 2026-03-15 11:57:00 UTC, 3 min ago (5 waiting)",
    );
  });

  it("a report older than a minute with nobody holding the lease: no relay is running", async () => {
    await t.db.insert(jobLeases).values({
      name: RELAY_JOB,
      holder: "host:3:relay",
      leaseUntil: new Date(now.getTime() - 50 * 60_000),
      lastFinishedAt: new Date(now.getTime() - 50 * 60_000),
      lastResult: { connected: true, backlog: 0, lastPublishedAt: null, failingSince: null },
    });
    const o = await relayOverview(t.db, { now, natsUrl: "nats://127.0.0.1:4222" });
    expect(o.state).toBe("silent");
    expect(o.holder).toBeNull();
    expect(relayStatusLine(o, now)).toBe(
      "Events: no relay has reported since 2026-03-15 11:10:00 UTC, 50 min ago (0 waiting)",
    );
    expect((await relayOverview(t.db, { now, natsUrl: undefined })).state).toBe("off");
  });

  it("says how long ago in words people read at a glance", () => {
    const at = (s: number) => new Date(now.getTime() - s * 1000);
    expect(ago(at(0), now)).toBe("just now");
    expect(ago(at(59), now)).toBe("59 s ago");
    expect(ago(at(61), now)).toBe("1 min ago");
    expect(ago(at(7_300), now)).toBe("2 h ago");
    expect(ago(at(3 * 86_400), now)).toBe("3 days ago");
  });
});

describe("the relay loop reports on its lease row", () => {
  const loops: RelayLoop[] = [];
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
  });

  it("a broker nobody listens on: the error, connected false and since when, on the row and the line", async () => {
    await writeEvents([randomUUID()], 2);
    const port = await freePort(); // nothing listens there
    const status = emptyRelayStatus();
    loops.push(
      runRelayLoop({
        db: t.db,
        url: `nats://127.0.0.1:${port}`,
        holder: "instance-a",
        status,
        retryMs: 100,
        reportEveryMs: 100,
      }),
    );
    await until(async () => Boolean((await relayRow())?.lastError));
    expect(status).toMatchObject({ enabled: true, holding: true, connected: false });
    expect(status.lastError).toBeTruthy();
    const row = await relayRow();
    expect(row).toMatchObject({ holder: "instance-a" });
    expect(row!.lastResult).toMatchObject({ connected: false, failingSince: expect.any(String) });
    const o = await relayOverview(t.db, { natsUrl: `nats://127.0.0.1:${port}` });
    expect(o).toMatchObject({ state: "failing", backlog: 2, connected: false });
    expect(relayStatusLine(o, new Date())).toMatch(
      /^Events: NATS unreachable since .+ UTC, .+ \(2 waiting\)$/,
    );
    // Nothing was marked.
    const [left] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(domainEvents)
      .where(isNull(domainEvents.publishedAt));
    expect(Number(left?.n)).toBe(2);
  });

  it.skipIf(!natsUp)(
    "publishes, reports relaying on the row; a second instance stands by and takes over when the first stops",
    async () => {
      const tag = randomUUID().replaceAll("-", "").slice(0, 12);
      const target: StreamTarget = { stream: `PAYDESK_S${tag}`, prefix: `paydesk_s${tag}.` };
      const aggregates = [randomUUID(), randomUUID(), randomUUID()];
      await writeEvents(aggregates, 3);
      const a = emptyRelayStatus();
      const b = emptyRelayStatus();
      const common = {
        db: t.db,
        url: SHARED_NATS_URL,
        target,
        idleMs: 50,
        reportEveryMs: 100,
        leaseMs: 3_000,
      };
      const first = runRelayLoop({ ...common, holder: "instance-a", status: a });
      loops.push(first);
      await until(() => a.publishedTotal === 9);
      const second = runRelayLoop({ ...common, holder: "instance-b", status: b });
      loops.push(second);
      await until(
        async () => ((await relayRow())?.lastResult as Partial<RelayReport> | null)?.publishedTotal === 9,
      );
      const row = await relayRow();
      expect(row).toMatchObject({ holder: "instance-a", lastError: null });
      expect(row!.lastResult).toMatchObject({ connected: true, backlog: 0, failingSince: null });
      const o = await relayOverview(t.db, { natsUrl: SHARED_NATS_URL });
      expect(o).toMatchObject({ state: "relaying", holder: "instance-a", backlog: 0, connected: true });
      expect(relayStatusLine(o, new Date())).toMatch(
        /^Events: relayed to NATS, backlog 0, last published (just now|\d+ s ago)$/,
      );
      expect(b.holding).toBe(false);

      await first.stop();
      expect((await relayRow())!.leaseUntil).toBeNull(); // let go at once, not after its TTL
      await writeEvents(aggregates, 1);
      await until(() => b.publishedTotal === 3);
      expect(b.holding).toBe(true);

      const nc = await connect({ servers: SHARED_NATS_URL });
      try {
        const messages = await readStream(nc, target.stream);
        const ids = (await t.db.select({ id: domainEvents.id }).from(domainEvents)).map((r) => r.id);
        expect(streamProblems(messages, ids)).toEqual([]);
        expect(messages).toHaveLength(12);
      } finally {
        await deleteStream(nc, target.stream);
        await nc.close();
      }
    },
  );
});
