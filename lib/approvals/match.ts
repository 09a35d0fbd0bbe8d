import { asc, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type ApprovalRuleKind, approvalRules } from "@/db/schema/approvals";
import type { Actor, Channel } from "../context";
import { formatMinor } from "../money/money";

/** A rule as the matcher and the stored request see it (bigints as strings once stored). */
export interface RuleView {
  id: string;
  kind: ApprovalRuleKind;
  currency: string | null;
  thresholdMinor: bigint | null;
  days: number | null;
}

/** What a request keeps of each rule it matched, and why it matched. */
export interface MatchedRule {
  id: string;
  kind: ApprovalRuleKind;
  currency: string | null;
  thresholdMinor: string | null;
  days: number | null;
  /** One sentence: "10000.00 RUB is at least the 10000.00 RUB threshold". */
  why: string;
}

export async function enabledRules(db: Queryable): Promise<RuleView[]> {
  return db
    .select({
      id: approvalRules.id,
      kind: approvalRules.kind,
      currency: approvalRules.currency,
      thresholdMinor: approvalRules.thresholdMinor,
      days: approvalRules.days,
    })
    .from(approvalRules)
    .where(eq(approvalRules.enabled, true))
    .orderBy(asc(approvalRules.kind), asc(approvalRules.currency));
}

/**
 * Whether an action by this actor is one a person asks for (and so may be held): a staff
 * member on the web or the CLI. Providers, webhooks, jobs and the demo seed never wait for
 * a second admin.
 */
export function isHeldChannel(actor: Actor, via: Channel): boolean {
  return actor.type === "staff" && (via === "web" || via === "cli");
}

function matched(rule: RuleView, why: string): MatchedRule {
  return {
    id: rule.id,
    kind: rule.kind,
    currency: rule.currency,
    thresholdMinor: rule.thresholdMinor === null ? null : rule.thresholdMinor.toString(),
    days: rule.days,
    why,
  };
}

function moneyRules(
  rules: RuleView[],
  kind: "payment.create" | "payment.refund_full",
  amountMinor: bigint,
  currency: string,
  what: string,
): MatchedRule[] {
  return rules
    .filter((r) => r.kind === kind && r.currency === currency && r.thresholdMinor !== null)
    .filter((r) => amountMinor >= (r.thresholdMinor as bigint))
    .map((r) =>
      matched(
        r,
        `${what} of ${formatMinor(amountMinor, currency)} ${currency} is at least the threshold of ${formatMinor(r.thresholdMinor as bigint, currency)} ${currency}`,
      ),
    );
}

/** Grants of more than a rule's days. Generic over where the days come from (a payment's plan, a goodwill grant). */
export function matchGrant(rules: RuleView[], daysGranted: number | null): MatchedRule[] {
  if (daysGranted === null || daysGranted <= 0) return [];
  return rules
    .filter((r) => r.kind === "subscription.grant" && r.days !== null && daysGranted > (r.days as number))
    .map((r) => matched(r, `A grant of ${daysGranted} days is more than ${r.days} days`));
}

export interface PaymentCreateFacts {
  kind: "manual" | "trial";
  amountMinor: bigint;
  currency: string;
  /** The days the payment would grant (its explicit days, else its plan's); null with no plan. */
  daysGranted: number | null;
}

/** A staff-created payment: manual ones by amount (trials are free), any by the days they grant. */
export function matchPaymentCreate(rules: RuleView[], p: PaymentCreateFacts): MatchedRule[] {
  const money =
    p.kind === "manual"
      ? moneyRules(rules, "payment.create", p.amountMinor, p.currency, "A manual payment")
      : [];
  return [...money, ...matchGrant(rules, p.daysGranted)];
}

export interface RefundFacts {
  /** Whether the refund takes everything that is left (the payment ends `refunded`). */
  full: boolean;
  amountMinor: bigint;
  currency: string;
}

/** Full refunds by the amount they return; a partial refund is never held. */
export function matchRefund(rules: RuleView[], r: RefundFacts): MatchedRule[] {
  if (!r.full) return [];
  return moneyRules(rules, "payment.refund_full", r.amountMinor, r.currency, "A full refund");
}
