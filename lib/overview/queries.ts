import { and, count, eq, gt, gte, inArray, lt, ne, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { queryRows } from "@/db/rows";
import { disputes, payments, refunds, subscriptions } from "@/db/schema";
import { type PaymentStatus, paymentStatuses, type StaffRole } from "@/db/schema/enums";
import { auditScope } from "../audit/list";
import { DAY_MS } from "../subscriptions/arithmetic";

/**
 * The figures of the overview page. Every period is UTC (ARCHITECTURE: time is computed in
 * UTC; only display follows the reader's zone) and every function takes `now`, so the same
 * data and clock always give the same figures. Money stays per currency: nothing here ever
 * adds two currencies together.
 *
 * Indexes they rely on (1M payments must stay cheap):
 *   payments_succeeded_idx       (succeeded_at) where not null   month and 30-day revenue, trials
 *   disputes_open_idx            (opened_at) where open           open disputes
 *   refunds_pending_idx          (created_at) where pending       refunds pending
 *   payments_created_idx         (created_at desc, id desc)       this month's payments by status
 *   subscriptions_status_end_idx (status, current_period_end)     active subscriptions
 *   audit_log_actor_action_idx   (actor_id, action, occurred_at …) latest manual changes, per staff member
 */

/** Statuses of a payment that took money, whatever was refunded of it later. */
export const SUCCEEDED_STATUSES = [
  "succeeded",
  "partially_refunded",
  "refunded",
] as const satisfies readonly PaymentStatus[];

/** Outcomes that count against the success rate. */
export const UNSUCCESSFUL_STATUSES = ["failed", "canceled"] as const satisfies readonly PaymentStatus[];

/** A half-open UTC interval `[start, end)`. */
export interface UtcRange {
  start: Date;
  end: Date;
}

/** The UTC calendar month `now` falls in. */
export function utcMonth(now: Date): UtcRange {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

export const CHART_DAYS = 30;

/** The last `days` whole UTC days up to and including the day `now` falls in. */
export function lastUtcDays(now: Date, days = CHART_DAYS): UtcRange {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { start: new Date(today - (days - 1) * DAY_MS), end: new Date(today + DAY_MS) };
}

function succeededWithin(range: UtcRange) {
  return and(gte(payments.succeededAt, range.start), lt(payments.succeededAt, range.end));
}

// ---------------------------------------------------------------------------------------
// Revenue this month

export interface CurrencyRevenue {
  currency: string;
  /** Payments that brought money (amount above zero). */
  payments: number;
  /** What those payments took. */
  grossMinor: bigint;
  /**
   * What has been refunded of those same payments since, whenever it was refunded: refunds the
   * provider (or the bank, for manual ones) confirmed. A pending or failed refund is not here.
   */
  refundedMinor: bigint;
  /** Disputes lost in the month (by when they closed), whichever month their payment was in. */
  lostDisputes: number;
  /** What those lost disputes took back. */
  lostMinor: bigint;
  /** gross − refunded − lost. */
  netMinor: bigint;
}

/**
 * Per currency, the payments that succeeded in the UTC month of `now` (by `succeeded_at`,
 * in any status that took money): gross, refunded of them so far, net. A refund is counted
 * against the payment it refunds, so a month's figures say what that month's sales are worth
 * now; a voided trial took nothing and is not revenue.
 *
 * Refunded is the payments' `refunded_minor`, which only a succeeded refund adds to (and a
 * counted refund that fails later takes back out): a refund still pending at the provider, or
 * one that failed, changes nothing here.
 *
 * A lost dispute counts like a refund, in the month it was lost (`closed_at`) and in the
 * dispute's currency, whichever month its payment succeeded in (the money left that month).
 * A currency with a lost dispute but no sale this month gets a row of its own.
 */
export async function monthRevenue(db: Queryable, now: Date): Promise<CurrencyRevenue[]> {
  const month = utcMonth(now);
  // One after the other: `db` may be a transaction, which runs one statement at a time anyway.
  const sales = await db
    .select({
      currency: payments.currency,
      payments: count(),
      gross: sql<string>`sum(${payments.amountMinor})::text`,
      refunded: sql<string>`sum(${payments.refundedMinor})::text`,
    })
    .from(payments)
    .where(
      and(succeededWithin(month), inArray(payments.status, SUCCEEDED_STATUSES), gt(payments.amountMinor, 0n)),
    )
    .groupBy(payments.currency);
  // Disputes are few: no index of their own on closed_at.
  const lost = await db
    .select({
      currency: disputes.currency,
      disputes: count(),
      amount: sql<string>`sum(${disputes.amountMinor})::text`,
    })
    .from(disputes)
    .where(
      and(eq(disputes.status, "lost"), gte(disputes.closedAt, month.start), lt(disputes.closedAt, month.end)),
    )
    .groupBy(disputes.currency);
  const byCurrency = new Map<string, CurrencyRevenue>();
  const row = (currency: string): CurrencyRevenue => {
    let r = byCurrency.get(currency);
    if (!r) {
      r = {
        currency,
        payments: 0,
        grossMinor: 0n,
        refundedMinor: 0n,
        lostDisputes: 0,
        lostMinor: 0n,
        netMinor: 0n,
      };
      byCurrency.set(currency, r);
    }
    return r;
  };
  for (const s of sales) {
    const r = row(s.currency);
    r.payments = s.payments;
    r.grossMinor = BigInt(s.gross);
    r.refundedMinor = BigInt(s.refunded);
  }
  for (const d of lost) {
    const r = row(d.currency);
    r.lostDisputes = d.disputes;
    r.lostMinor = BigInt(d.amount);
  }
  return [...byCurrency.values()]
    .map((r) => ({ ...r, netMinor: r.grossMinor - r.refundedMinor - r.lostMinor }))
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

// ---------------------------------------------------------------------------------------
// What waits on someone else: open disputes and unconfirmed refunds

export interface OpenMatters {
  /** Disputes (inquiries and chargebacks) still open at the provider. */
  openDisputes: number;
  /** Refunds the provider has not confirmed yet (however recent). */
  refundsPending: number;
}

/**
 * Open disputes and pending refunds now, whenever they started: each count reads only its
 * partial index (disputes_open_idx, refunds_pending_idx), which holds nothing else.
 */
export async function openMatters(db: Queryable): Promise<OpenMatters> {
  const [d] = await db.select({ n: count() }).from(disputes).where(eq(disputes.status, "open"));
  const [r] = await db.select({ n: count() }).from(refunds).where(eq(refunds.status, "pending"));
  return { openDisputes: d?.n ?? 0, refundsPending: r?.n ?? 0 };
}

// ---------------------------------------------------------------------------------------
// This month's payments by status, and the success rate

export interface MonthStatusCounts {
  /** Payments created in the UTC month, by their current status. */
  all: Record<PaymentStatus, number>;
  /** The same without zero-amount trials (what the success rate is about). */
  paid: Record<PaymentStatus, number>;
  total: number;
}

function zeroCounts(): Record<PaymentStatus, number> {
  return Object.fromEntries(paymentStatuses.map((s) => [s, 0])) as Record<PaymentStatus, number>;
}

/** Payments created in the UTC month of `now`, counted by the status they have now. */
export async function monthStatusCounts(db: Queryable, now: Date): Promise<MonthStatusCounts> {
  const { start, end } = utcMonth(now);
  const rows = await db
    .select({
      status: payments.status,
      all: count(),
      paid: sql<number>`(count(*) filter (where ${ne(payments.kind, "trial")}))::int`,
    })
    .from(payments)
    .where(and(gte(payments.createdAt, start), lt(payments.createdAt, end)))
    .groupBy(payments.status);
  const out: MonthStatusCounts = { all: zeroCounts(), paid: zeroCounts(), total: 0 };
  for (const r of rows) {
    out.all[r.status] = r.all;
    out.paid[r.status] = r.paid;
    out.total += r.all;
  }
  return out;
}

export interface SuccessRate {
  /** Payments that took money (succeeded, since then refunded or not). */
  succeeded: number;
  /** Payments that ended failed or canceled. */
  unsuccessful: number;
  /** succeeded / (succeeded + unsuccessful); null when no payment has an outcome yet. */
  rate: number | null;
}

/**
 * Of the paid (non-trial) payments created this month that reached an outcome, the share that
 * took money. Pending and processing payments have no outcome yet and are left out; a trial
 * is free, and voiding one is not a failed sale.
 */
export function successRate(counts: MonthStatusCounts): SuccessRate {
  const succeeded = SUCCEEDED_STATUSES.reduce((n, s) => n + counts.paid[s], 0);
  const unsuccessful = UNSUCCESSFUL_STATUSES.reduce((n, s) => n + counts.paid[s], 0);
  const outcomes = succeeded + unsuccessful;
  return { succeeded, unsuccessful, rate: outcomes === 0 ? null : succeeded / outcomes };
}

// ---------------------------------------------------------------------------------------
// Subscriptions and trials

export interface ActiveSubscriptions {
  /** Paid and running. */
  active: number;
  /** Running on a trial only. */
  trialing: number;
  total: number;
}

/**
 * Subscriptions that give access at `now`: stored `active` or `trialing` with a period that
 * has not ended (the rule of effectiveStatus() in lib/subscriptions/arithmetic.ts, which
 * reads a lapsed one as expired whatever its stored status says).
 */
export async function activeSubscriptions(db: Queryable, now: Date): Promise<ActiveSubscriptions> {
  const rows = await db
    .select({ status: subscriptions.status, n: count() })
    .from(subscriptions)
    .where(
      and(inArray(subscriptions.status, ["active", "trialing"]), gt(subscriptions.currentPeriodEnd, now)),
    )
    .groupBy(subscriptions.status);
  const active = rows.find((r) => r.status === "active")?.n ?? 0;
  const trialing = rows.find((r) => r.status === "trialing")?.n ?? 0;
  return { active, trialing, total: active + trialing };
}

export interface TrialsStarted {
  /** Trials that started (succeeded) in the month. */
  started: number;
  /** Of those, the ones voided since. */
  voided: number;
}

/**
 * Trial payments that succeeded (so started the trial) in the UTC month of `now`. The kind is
 * a FILTER, not a WHERE condition: in the WHERE, the planner also reads the one-trial-per-plan
 * index (every trial ever) and intersects it with the month, 5–10× slower on 1M payments than
 * reading the month's succeeded payments alone.
 */
export async function monthTrialsStarted(db: Queryable, now: Date): Promise<TrialsStarted> {
  const trial = eq(payments.kind, "trial");
  const [row] = await db
    .select({
      started: sql<number>`(count(*) filter (where ${trial}))::int`,
      voided: sql<number>`(count(*) filter (where ${and(trial, eq(payments.status, "canceled"))}))::int`,
    })
    .from(payments)
    .where(succeededWithin(utcMonth(now)));
  return { started: row?.started ?? 0, voided: row?.voided ?? 0 };
}

// ---------------------------------------------------------------------------------------
// Daily revenue for the chart

export interface DailySeries {
  currency: string;
  /** Gross succeeded revenue of each day, in the order of `days`. */
  points: bigint[];
  totalMinor: bigint;
  payments: number;
}

export interface DailyRevenue {
  /** The UTC days of the window, oldest first (`YYYY-MM-DD`). */
  days: string[];
  /** One series per currency with revenue in the window, by currency code. */
  series: DailySeries[];
}

interface DailyRow {
  day: string;
  currency: string | null;
  gross: string;
  payments: number;
}

/**
 * Gross succeeded revenue per UTC day and currency over the last `days` days (the same
 * payments as monthRevenue(), by the day they succeeded). Days without revenue come back as
 * zero from the database (generate_series), in every currency that has revenue on any day.
 * Days are 24-hour bins from a UTC midnight: `interval '1 day'` would follow the session's
 * time zone across a daylight-saving change. The days come from an integer series, whose row
 * count the planner knows (a timestamp series is guessed at 1,000 rows on PostgreSQL 15).
 */
export async function dailyRevenue(db: Queryable, now: Date, days = CHART_DAYS): Promise<DailyRevenue> {
  const { start, end } = lastUtcDays(now, days);
  const from = start.toISOString();
  const rows = await queryRows<DailyRow>(
    db,
    sql`with totals as (
          select date_bin(interval '24 hours', ${payments.succeededAt}, ${from}::timestamptz) as day,
                 ${payments.currency} as currency,
                 sum(${payments.amountMinor}) as gross,
                 count(*) as payments
          from ${payments}
          where ${and(succeededWithin({ start, end }), inArray(payments.status, SUCCEEDED_STATUSES), gt(payments.amountMinor, 0n))}
          group by 1, 2
        ),
        currencies as (select distinct currency from totals)
        select to_char(d.day at time zone 'UTC', 'YYYY-MM-DD') as day,
               c.currency,
               coalesce(t.gross, 0)::text as gross,
               coalesce(t.payments, 0)::int as payments
        from (select ${from}::timestamptz + i * interval '24 hours' as day
              from generate_series(0, ${days - 1}::int) as i) as d
        left join currencies c on true
        left join totals t on t.day = d.day and t.currency = c.currency
        order by c.currency, d.day`,
  );
  const byCurrency = new Map<string, DailySeries>();
  const dayList: string[] = [];
  for (const r of rows) {
    if (r.currency === null) {
      dayList.push(r.day);
      continue;
    }
    let series = byCurrency.get(r.currency);
    if (!series) {
      series = { currency: r.currency, points: [], totalMinor: 0n, payments: 0 };
      byCurrency.set(r.currency, series);
    }
    const gross = BigInt(r.gross);
    series.points.push(gross);
    series.totalMinor += gross;
    series.payments += r.payments;
    if (byCurrency.size === 1) dayList.push(r.day);
  }
  return { days: dayList, series: [...byCurrency.values()] };
}

// ---------------------------------------------------------------------------------------
// Latest manual changes

export const MANUAL_PAYMENT_ACTIONS = [
  "payment.create",
  "payment.status_change",
  "payment.refund",
  "payment.update",
] as const;
export type ManualPaymentAction = (typeof MANUAL_PAYMENT_ACTIONS)[number];

/** What a change did, read from its audit entry's before and after. */
export type ManualChangeEffect =
  | {
      action: "payment.create";
      status: PaymentStatus | null;
      kind: string | null;
      amountMinor: bigint | null;
      currency: string | null;
    }
  | { action: "payment.status_change"; from: PaymentStatus | null; to: PaymentStatus | null }
  | {
      action: "payment.refund";
      amountMinor: bigint | null;
      currency: string | null;
      /** The payment's status after the refund. */
      to: PaymentStatus | null;
      revokeAccess: boolean;
    }
  | { action: "payment.update"; fields: string[] };

export interface ManualChange {
  id: string;
  at: Date;
  actorId: string;
  actorName: string;
  actorEmail: string;
  actorRole: string | null;
  via: string;
  reason: string | null;
  paymentId: string;
  customerEmail: string | null;
  effect: ManualChangeEffect;
}

interface ManualChangeRow {
  id: string;
  at: string;
  action: ManualPaymentAction;
  actor_id: string;
  actor_name: string;
  actor_email: string | null;
  actor_role: string | null;
  via: string;
  reason: string | null;
  payment_id: string;
  customer_email: string | null;
  before: unknown;
  after: unknown;
}

export interface ManualChangesViewer {
  id: string;
  role: StaffRole;
}

function field(value: unknown, key: string): unknown {
  return value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

function asText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function asStatus(value: unknown): PaymentStatus | null {
  return (paymentStatuses as readonly unknown[]).includes(value) ? (value as PaymentStatus) : null;
}

function asMinor(value: unknown): bigint | null {
  return typeof value === "string" && /^\d{1,19}$/.test(value) ? BigInt(value) : null;
}

/** The effect of one manual change, from the snapshots the payment verbs write (lib/payments/*). */
export function manualChangeEffect(
  action: ManualPaymentAction,
  before: unknown,
  after: unknown,
): ManualChangeEffect {
  switch (action) {
    case "payment.create":
      return {
        action,
        status: asStatus(field(after, "status")),
        kind: asText(field(after, "kind")),
        amountMinor: asMinor(field(after, "amountMinor")),
        currency: asText(field(after, "currency")),
      };
    case "payment.status_change":
      return { action, from: asStatus(field(before, "status")), to: asStatus(field(after, "status")) };
    case "payment.refund": {
      const refund = field(after, "refund");
      return {
        action,
        amountMinor: asMinor(field(refund, "amountMinor")),
        currency: asText(field(after, "currency")),
        to: asStatus(field(after, "status")),
        revokeAccess: field(refund, "revokeAccess") === true,
      };
    }
    case "payment.update": {
      const fields = ["description", "metadata"].filter(
        (key) => JSON.stringify(field(before, key) ?? null) !== JSON.stringify(field(after, key) ?? null),
      );
      return { action, fields };
    }
  }
}

/**
 * The latest changes staff made to payments by hand (on the web or through the CLI; the demo
 * seed and provider webhooks are not manual), newest first, as far as the viewer may read the
 * audit log: everyone's with `audit.view`, only their own with `audit.view_own` (the audit
 * page's rule, lib/audit/list.ts).
 *
 * Read per staff member and action through audit_log_actor_action_idx (actor_id, action,
 * occurred_at desc, id desc), each range stopping after `limit` entries, then merged: a few
 * short index scans per staff member, however many provider entries or sign-ins the log
 * holds. (Through (actor_id, occurred_at) alone, a support agent or auditor who never changes
 * a payment would have all their entries read on every visit.)
 */
export async function latestManualChanges(
  db: Queryable,
  viewer: ManualChangesViewer,
  limit = 10,
): Promise<ManualChange[]> {
  const scope = auditScope(viewer);
  if (scope === "none") return [];
  const whose = scope === "own" ? sql`where s.id = ${viewer.id}::uuid` : sql``;
  // A small staff table is rarely analysed (autovacuum waits for 50 changed rows), and unanalysed
  // the planner takes it for ~400 rows, prices this at ~190,000 and JIT-compiles it: 0.5–0.8 s
  // for a query that runs in 1 ms (measured on 3M audit entries).
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    return queryRows<ManualChangeRow>(
      tx,
      sql`with latest as (
          select a.id, a.occurred_at, a.action, a.actor_id, s.name as actor_name, a.actor_email, a.actor_role,
                 a.via, a.reason, a.entity_id, a.before, a.after
          from staff_users s
          cross join unnest(${`{${MANUAL_PAYMENT_ACTIONS.join(",")}}`}::text[]) as act(action)
          cross join lateral (
            select * from audit_log a
            where a.actor_id = s.id::text
              and a.action = act.action
              and a.entity_type = 'payment'
              and a.via in ('web', 'cli')
            order by a.occurred_at desc nulls last, a.id desc nulls last
            limit ${limit}
          ) a
          ${whose}
          order by a.occurred_at desc, a.id desc
          limit ${limit}
        )
        select l.id, to_json(l.occurred_at) #>> '{}' as at, l.action, l.actor_id, l.actor_name,
               l.actor_email, l.actor_role, l.via, l.reason, l.entity_id as payment_id,
               c.email as customer_email, l.before, l.after
        from latest l
        left join payments p on p.id = l.entity_id::uuid
        left join customers c on c.id = p.customer_id
        order by l.occurred_at desc, l.id desc`,
    );
  });
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.at),
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorEmail: r.actor_email ?? "",
    actorRole: r.actor_role,
    via: r.via,
    reason: r.reason,
    paymentId: r.payment_id,
    customerEmail: r.customer_email,
    effect: manualChangeEffect(r.action, parseJson(r.before), parseJson(r.after)),
  }));
}

/** jsonb as an object whichever driver read it (PGlite parses it, postgres.js may hand back text). */
function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}
