import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ServiceContext } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { changePaymentStatus } from "@/lib/payments/change-status";
import { createPayment } from "@/lib/payments/create";
import { refundPayment } from "@/lib/payments/refund";
import { updatePayment } from "@/lib/payments/update";
import { freshDatabase, type TestDatabase } from "../support/db";
import { baseline, type Clock, clockAt } from "../support/fixtures";

// Every mutation is one transaction: a failure at any step (or in the audit/outbox write
// itself) must leave every table exactly as it was.

/** Lets a test make the n-th audit hash computation throw (0 = never). */
const { hashFault, InjectedFailure } = vi.hoisted(() => {
  class InjectedFailure extends Error {
    override name = "InjectedFailure";
  }
  return { hashFault: { failOnCall: 0, calls: 0 }, InjectedFailure };
});

vi.mock("@/lib/audit/hash", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/audit/hash")>();
  return {
    ...original,
    hashEntry: (entry: Parameters<typeof original.hashEntry>[0]) => {
      if (hashFault.failOnCall > 0 && ++hashFault.calls === hashFault.failOnCall) {
        throw new InjectedFailure(`injected hash failure on call ${hashFault.calls}`);
      }
      return original.hashEntry(entry);
    },
  };
});

/** Every table of the schema; the snapshot must cover all of them. */
const SCHEMA_TABLES = [
  "audit_log",
  "customers",
  "domain_events",
  "payments",
  "plans",
  "refunds",
  "staff_users",
  "subscription_grants",
  "subscriptions",
  "webhook_events",
];

const rows = queryRows;

async function publicTables(db: Queryable): Promise<string[]> {
  const found = await rows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  return found.map((r) => r.table_name);
}

/** Every row of every table, serialised by the database itself (canonical jsonb text). */
async function snapshot(db: Queryable, tables: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [row] = await rows<{ content: string }>(
      db,
      sql`select coalesce(jsonb_agg(to_jsonb(t) order by to_jsonb(t)::text), '[]'::jsonb)::text as content
          from ${sql.identifier(table)} t`,
    );
    out[table] = row?.content ?? "";
  }
  return out;
}

async function count(db: Queryable, table: string): Promise<number> {
  const [row] = await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return Number(row?.n ?? 0);
}

/** The message of an error and of everything it wraps. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 6; depth++) {
    parts.push(String((current as Error).message ?? current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(" <- ");
}

/**
 * Makes the n-th INSERT into `table` fail inside the database (a trigger raising an
 * exception), counting with a sequence outside the snapshotted schema.
 */
async function failNthInsert(db: Queryable, table: "audit_log" | "domain_events", n: number): Promise<void> {
  await db.execute(sql`create schema if not exists test_faults`);
  await db.execute(sql.raw(`create sequence if not exists test_faults.${table}_inserts`));
  await db.execute(sql.raw(`alter sequence test_faults.${table}_inserts restart with 1`));
  await db.execute(
    sql.raw(`create or replace function test_faults.fail_${table}() returns trigger language plpgsql as $$
      begin
        if nextval('test_faults.${table}_inserts') = ${Number(n)} then
          raise exception 'injected database failure on insert % into ${table}', ${Number(n)};
        end if;
        return new;
      end $$`),
  );
  await db.execute(sql.raw(`drop trigger if exists test_fault on ${table}`));
  await db.execute(
    sql.raw(`create trigger test_fault before insert on ${table}
      for each row execute function test_faults.fail_${table}()`),
  );
}

async function clearFault(db: Queryable, table: "audit_log" | "domain_events"): Promise<void> {
  await db.execute(sql.raw(`drop trigger if exists test_fault on ${table}`));
}

type Run = (extra?: Partial<ServiceContext>) => Promise<unknown>;

interface Scenario {
  name: string;
  /** Steps the mutation must reach; the test fails if one of these hooks disappears. */
  expected: string[];
  /** Builds the starting state (deterministic) and returns the mutation under test. */
  setup(t: TestDatabase, clock: Clock): Promise<Run>;
}

const scenarios: Scenario[] = [
  {
    name: "createPayment (pending)",
    expected: ["payment.written", "audit.before_insert", "payment.done"],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      return (extra = {}) =>
        createPayment(
          { ...ctx, ...extra },
          {
            customer: customer.email,
            plan: "premium",
            amount: "599.00",
            currency: "RUB",
            method: "bank_transfer",
            idempotencyKey: "rollback-pending-0001",
            reason: "bank transfer announced",
          },
        );
    },
  },
  {
    name: "createPayment (succeeded with a plan, first subscription)",
    expected: [
      "payment.written",
      "audit.before_insert",
      "grant.written",
      "subscription.written",
      "payment.done",
    ],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      return (extra = {}) =>
        createPayment(
          { ...ctx, ...extra },
          {
            customer: customer.id,
            plan: "premium",
            amount: "599.00",
            currency: "RUB",
            status: "succeeded",
            idempotencyKey: "rollback-succeeded-0001",
            metadata: { invoice: "INV-1" },
            reason: "paid in cash at the office",
          },
        );
    },
  },
  {
    name: "createPayment (trial)",
    expected: [
      "payment.written",
      "audit.before_insert",
      "grant.written",
      "subscription.written",
      "payment.done",
    ],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      return (extra = {}) =>
        createPayment(
          { ...ctx, ...extra },
          {
            customer: customer.email,
            plan: "basic",
            kind: "trial",
            amount: "0",
            currency: "RUB",
            reason: "trial requested by phone",
          },
        );
    },
  },
  {
    name: "changePaymentStatus (pending → succeeded, extending a running subscription)",
    expected: [
      "payment.status_written",
      "audit.before_insert",
      "grant.written",
      "subscription.written",
      "payment.done",
    ],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      await createPayment(ctx, {
        customer: customer.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        status: "succeeded",
        reason: "first month",
      });
      const pending = await createPayment(ctx, {
        customer: customer.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        reason: "second month announced",
      });
      clock.advanceDays(5);
      return (extra = {}) =>
        changePaymentStatus(
          { ...ctx, ...extra },
          { paymentId: pending.payment.id, status: "succeeded", reason: "seen on statement" },
        );
    },
  },
  {
    name: "changePaymentStatus (voiding a succeeded trial → canceled)",
    expected: [
      "payment.status_written",
      "audit.before_insert",
      "grant.revoked",
      "subscription.written",
      "payment.done",
    ],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      const trial = await createPayment(ctx, {
        customer: customer.id,
        plan: "basic",
        kind: "trial",
        amount: "0",
        currency: "RUB",
        reason: "trial",
      });
      clock.advanceDays(1);
      return (extra = {}) =>
        changePaymentStatus(
          { ...ctx, ...extra },
          { paymentId: trial.payment.id, status: "canceled", reason: "trial given by mistake" },
        );
    },
  },
  {
    name: "refundPayment (full)",
    expected: [
      "payment.status_written",
      "audit.before_insert",
      "grant.revoked",
      "subscription.written",
      "payment.done",
    ],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      const paid = await createPayment(ctx, {
        customer: customer.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        status: "succeeded",
        reason: "paid",
      });
      clock.advanceDays(3);
      return (extra = {}) =>
        refundPayment({ ...ctx, ...extra }, { paymentId: paid.payment.id, reason: "customer asked" });
    },
  },
  {
    name: "refundPayment (partial, revoking access)",
    expected: [
      "payment.status_written",
      "audit.before_insert",
      "grant.revoked",
      "subscription.written",
      "payment.done",
    ],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      const paid = await createPayment(ctx, {
        customer: customer.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        status: "succeeded",
        reason: "paid",
      });
      clock.advanceDays(3);
      return (extra = {}) =>
        refundPayment(
          { ...ctx, ...extra },
          {
            paymentId: paid.payment.id,
            amount: "100.00",
            revokeAccess: true,
            reason: "goodwill, access ends",
          },
        );
    },
  },
  {
    name: "updatePayment",
    expected: ["payment.written", "audit.before_insert"],
    async setup(t, clock) {
      const { ctx, customer } = await baseline(t.db, clock);
      const paid = await createPayment(ctx, {
        customer: customer.id,
        plan: "premium",
        amount: "599.00",
        currency: "RUB",
        description: "old",
        reason: "paid",
      });
      clock.advanceDays(1);
      return (extra = {}) =>
        updatePayment(
          { ...ctx, ...extra },
          {
            paymentId: paid.payment.id,
            description: "new description",
            metadata: { ticket: "T-42" },
            reason: "fix description",
          },
        );
    },
  },
  {
    name: "createCustomer",
    expected: ["customer.written", "audit.before_insert"],
    async setup(t, clock) {
      const { ctx } = await baseline(t.db, clock);
      return (extra = {}) =>
        createCustomer(
          { ...ctx, ...extra },
          { email: "boris@example.com", name: "Boris", externalRef: "crm-7" },
        );
    },
  },
];

describe.each(scenarios)("rollback: $name", (scenario) => {
  /** The steps the mutation reached, in order, on an identical database where it succeeded. */
  const steps: string[] = [];
  let auditWrites = 0;
  let eventWrites = 0;
  let t: TestDatabase;
  let run: Run;
  let tables: string[];
  let before: Record<string, string>;

  beforeAll(async () => {
    const discovery = await freshDatabase();
    try {
      const discoverRun = await scenario.setup(discovery, clockAt("2026-03-01T00:00:00.000Z"));
      const audits = await count(discovery.db, "audit_log");
      const events = await count(discovery.db, "domain_events");
      await discoverRun({ onStep: (name) => void steps.push(name) });
      auditWrites = (await count(discovery.db, "audit_log")) - audits;
      eventWrites = (await count(discovery.db, "domain_events")) - events;
    } finally {
      await discovery.close();
    }

    t = await freshDatabase();
    run = await scenario.setup(t, clockAt("2026-03-01T00:00:00.000Z"));
    tables = await publicTables(t.db);
    before = await snapshot(t.db, tables);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("reaches the expected steps, with a hook before every audit write", () => {
    expect(tables).toEqual(expect.arrayContaining(SCHEMA_TABLES));
    expect(steps).toEqual(expect.arrayContaining(scenario.expected));
    expect(auditWrites).toBeGreaterThan(0);
    expect(steps.filter((s) => s === "audit.before_insert")).toHaveLength(auditWrites);
    expect(eventWrites).toBeGreaterThan(0);
  });

  it("rolls back everything when any step fails", async () => {
    expect(steps.length).toBeGreaterThan(0);
    for (let index = 0; index < steps.length; index++) {
      const label = `step #${index + 1} "${steps[index]}" of [${steps.join(", ")}]`;
      let seen = 0;
      const reached: string[] = [];
      const attempt = run({
        onStep: (name) => {
          reached.push(name);
          if (seen++ === index) throw new InjectedFailure(`injected failure at ${label}`);
        },
      });
      await expect(attempt, label).rejects.toThrow(`injected failure at ${label}`);
      expect(reached, label).toEqual(steps.slice(0, index + 1));
      expect(await snapshot(t.db, tables), `database changed after failing at ${label}`).toEqual(before);
    }
  });

  it("rolls back everything when the n-th audit insert fails in the database", async () => {
    for (let n = 1; n <= auditWrites; n++) {
      await failNthInsert(t.db, "audit_log", n);
      try {
        const err = await run().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `audit insert #${n} failed but the mutation resolved`).not.toBeNull();
        expect(errorText(err)).toContain(`injected database failure on insert ${n} into audit_log`);
      } finally {
        await clearFault(t.db, "audit_log");
      }
      expect(await snapshot(t.db, tables), `database changed after audit insert #${n} failed`).toEqual(
        before,
      );
    }
  });

  it("rolls back everything when the n-th outbox insert fails in the database", async () => {
    for (let n = 1; n <= eventWrites; n++) {
      await failNthInsert(t.db, "domain_events", n);
      try {
        const err = await run().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `event insert #${n} failed but the mutation resolved`).not.toBeNull();
        expect(errorText(err)).toContain(`injected database failure on insert ${n} into domain_events`);
      } finally {
        await clearFault(t.db, "domain_events");
      }
      expect(await snapshot(t.db, tables), `database changed after event insert #${n} failed`).toEqual(
        before,
      );
    }
  });

  it("rolls back everything when hashing the n-th audit entry throws", async () => {
    for (let n = 1; n <= auditWrites; n++) {
      hashFault.failOnCall = n;
      hashFault.calls = 0;
      try {
        await expect(run(), `hash #${n}`).rejects.toThrow(`injected hash failure on call ${n}`);
      } finally {
        hashFault.failOnCall = 0;
      }
      expect(await snapshot(t.db, tables), `database changed after hash #${n} failed`).toEqual(before);
    }
  });

  it("commits the same steps when nothing fails (the snapshot does see the change)", async () => {
    const reached: string[] = [];
    await run({ onStep: (name) => void reached.push(name) });
    expect(reached).toEqual(steps);
    const after = await snapshot(t.db, tables);
    expect(after).not.toEqual(before);
    expect(after.audit_log).not.toEqual(before.audit_log);
    expect(after.domain_events).not.toEqual(before.domain_events);
    expect(await count(t.db, "audit_log")).toBe(JSON.parse(before.audit_log ?? "[]").length + auditWrites);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
