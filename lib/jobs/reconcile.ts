import { and, asc, eq, inArray, isNull, lt, ne, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { payments, refunds } from "@/db/schema";
import { type ServiceContext, systemContext } from "../context";
import { syncPayment } from "../payments/sync";

export const RECONCILER = "system:reconciler" as const;
/** A provider payment still open this long after its last change is asked about. */
export const DEFAULT_STUCK_AFTER_MS = 15 * 60_000;
/** How many payments one run looks at (oldest first); the next run takes the rest. */
export const DEFAULT_BATCH = 50;

export interface ReconcileOptions {
  dryRun?: boolean;
  now?: Date;
  stuckAfterMs?: number;
  limit?: number;
  /** Called before each payment; false (the lease was lost) ends the run there. */
  heartbeat?: () => Promise<boolean>;
}

export interface ReconcileItem {
  paymentId: string;
  provider: string;
  providerPaymentId: string | null;
  why: "open_payment" | "pending_refund";
  /** `changed`: the provider's answer was applied; `unchanged`: nothing to do; `error`: not settled. */
  outcome: "changed" | "unchanged" | "error";
  notes: string[];
}

export interface ReconcileReport {
  dryRun: boolean;
  checked: number;
  changed: number;
  errors: number;
  items: ReconcileItem[];
}

class DryRunRollback extends Error {
  constructor(readonly item: ReconcileItem) {
    super("dry run");
  }
}

/**
 * One reconciliation pass: provider payments still pending or processing `stuckAfterMs` after
 * their last change (and not asked about since), and payments with a refund still pending,
 * are synced from their provider as `system:reconciler`. A dry run syncs each in a
 * transaction that is rolled back, and sends no refund again, reporting what would change.
 */
export async function reconcile(db: Db, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - (options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS));
  const limit = options.limit ?? DEFAULT_BATCH;

  const open = await db
    .select({ id: payments.id, provider: payments.provider, providerPaymentId: payments.providerPaymentId })
    .from(payments)
    .where(
      and(
        ne(payments.provider, "manual"),
        inArray(payments.status, ["pending", "processing"]),
        lt(payments.updatedAt, cutoff),
        or(isNull(payments.providerSyncedAt), lt(payments.providerSyncedAt, cutoff)),
      ),
    )
    .orderBy(asc(payments.updatedAt))
    .limit(limit);
  const waiting = await db
    .selectDistinct({
      id: payments.id,
      provider: payments.provider,
      providerPaymentId: payments.providerPaymentId,
    })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(
      and(
        eq(refunds.status, "pending"),
        ne(refunds.provider, "manual"),
        lt(refunds.createdAt, cutoff),
        or(isNull(payments.providerSyncedAt), lt(payments.providerSyncedAt, cutoff)),
      ),
    )
    .limit(limit);

  const seen = new Set<string>();
  const items: ReconcileItem[] = [];
  const todo = [
    ...open.map((p) => ({ ...p, why: "open_payment" as const })),
    ...waiting.map((p) => ({ ...p, why: "pending_refund" as const })),
  ];
  for (const p of todo) {
    if (seen.has(p.id)) continue;
    if (options.heartbeat && !(await options.heartbeat())) break;
    seen.add(p.id);
    items.push(await reconcileOne(db, p, options.dryRun ?? false, now));
  }
  return {
    dryRun: options.dryRun ?? false,
    checked: items.length,
    changed: items.filter((i) => i.outcome === "changed").length,
    errors: items.filter((i) => i.outcome === "error").length,
    items,
  };
}

async function reconcileOne(
  db: Db,
  p: { id: string; provider: string; providerPaymentId: string | null; why: ReconcileItem["why"] },
  dryRun: boolean,
  now: Date,
): Promise<ReconcileItem> {
  const base = { paymentId: p.id, provider: p.provider, providerPaymentId: p.providerPaymentId, why: p.why };
  const run = async (ctxDb: Db): Promise<ReconcileItem> => {
    const ctx: ServiceContext = { ...systemContext(ctxDb, RECONCILER), now: () => now };
    const result = await syncPayment(
      ctx,
      { paymentId: p.id, reason: dryRun ? "dry run" : null },
      { resendRefunds: !dryRun },
    );
    return { ...base, outcome: result.changed ? "changed" : "unchanged", notes: result.notes };
  };
  try {
    if (!dryRun) return await run(db);
    try {
      await db.transaction(async (tx) => {
        throw new DryRunRollback(await run(tx as unknown as Db));
      });
    } catch (err) {
      if (err instanceof DryRunRollback) return err.item;
      throw err;
    }
    throw new Error("dry run did not roll back");
  } catch (err) {
    return { ...base, outcome: "error", notes: [(err as Error).message] };
  }
}
