import type { Queryable } from "@/db/client";
import { formatMinor } from "../money/money";
import type { EffectPreview } from "../payments/preview";
import { enabledRules } from "./match";
import { comparablePreview } from "./previews";
import type { RequestRow } from "./queries";
import { currentPreview } from "./reruns";

/** A request as the /approvals page shows it: plain data a client component can render. */
export interface RequestView {
  id: string;
  action: string;
  status: RequestRow["status"];
  summary: string;
  reason: string;
  matched: string[];
  requestedBy: string;
  requestedById: string;
  requestedAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  failure: string | null;
  /** The payment the request is about or created, to link to. */
  paymentId: string | null;
  /** What the requester saw before confirming. */
  askedEffect: EffectPreview | null;
  /** The same preview against the current state (pending requests only). */
  currentEffect: EffectPreview | null;
  /** Why there is no current preview (its subject is gone), if so. */
  currentGone: string | null;
  /** Whether the state moved since the request: approving it now would fail. */
  changed: boolean;
}

/** The stored preview's effect with its dates back as dates (jsonb keeps them as ISO text). */
function revive(effect: unknown): EffectPreview | null {
  if (!effect || typeof effect !== "object") return null;
  const e = { ...(effect as Record<string, unknown>) };
  for (const key of ["currentEnd", "newEnd"]) {
    if (typeof e[key] === "string") e[key] = new Date(e[key] as string);
  }
  return e as unknown as EffectPreview;
}

function summary(row: RequestRow): string {
  const p = row.preview as { payment?: Record<string, unknown>; refund?: Record<string, unknown> };
  if (row.action === "payment.create" && p.payment) {
    const pay = p.payment;
    const amount = `${formatMinor(BigInt(String(pay.amountMinor)), String(pay.currency))} ${pay.currency}`;
    const what = pay.kind === "trial" ? "Trial" : "Manual payment";
    return `${what} of ${amount} for ${pay.customerEmail}${pay.plan ? ` (${pay.plan})` : ""}, ${pay.status}`;
  }
  if (row.action === "payment.refund_full" && p.payment && p.refund) {
    const currency = String(p.payment.currency);
    return `Full refund of ${formatMinor(BigInt(String(p.refund.amountMinor)), currency)} ${currency} of payment ${p.payment.id}`;
  }
  return row.action;
}

export async function requestViews(db: Queryable, rows: RequestRow[], now: Date): Promise<RequestView[]> {
  const rules = await enabledRules(db);
  return Promise.all(
    rows.map(async (row) => {
      const stored = row.preview as { effect?: unknown; payment?: { id?: string } };
      let currentEffect: EffectPreview | null = null;
      let currentGone: string | null = null;
      let changed = false;
      if (row.status === "pending") {
        const current = await currentPreview(db, row, rules, now);
        if (current && "gone" in current) currentGone = current.gone;
        else if (current) {
          currentEffect = current.preview.effect;
          changed = comparablePreview(current.preview) !== comparablePreview(row.preview);
        }
      }
      const result = row.result as { paymentId?: string } | null;
      return {
        id: row.id,
        action: row.action,
        status: row.status,
        summary: summary(row),
        reason: row.reason,
        matched: (row.matchedRules as { why: string }[]).map((r) => r.why),
        requestedBy: row.requesterEmail,
        requestedById: row.requestedBy,
        requestedAt: row.requestedAt,
        expiresAt: row.expiresAt,
        decidedBy: row.deciderEmail,
        decidedAt: row.decidedAt,
        decisionReason: row.decisionReason,
        failure: row.failure,
        paymentId: result?.paymentId ?? stored.payment?.id ?? null,
        askedEffect: revive(stored.effect),
        currentEffect,
        currentGone,
        changed,
      };
    }),
  );
}
