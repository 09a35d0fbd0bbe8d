import { formatMinor } from "@/lib/money/money";

export interface RuleRow {
  id: string;
  kind: "payment.create" | "payment.refund_full" | "subscription.grant";
  currency: string | null;
  thresholdMinor: bigint | null;
  days: number | null;
  enabled: boolean;
  updatedAt: Date;
}

export const KIND_LABEL: Record<RuleRow["kind"], string> = {
  "payment.create": "Manual payment",
  "payment.refund_full": "Full refund",
  "subscription.grant": "Grant of days",
};

/** "at least 10000.00 RUB" or "more than 90 days". */
export function ruleCondition(rule: RuleRow): string {
  if (rule.kind === "subscription.grant") return `more than ${rule.days} days`;
  return `at least ${formatMinor(rule.thresholdMinor ?? 0n, rule.currency ?? "")} ${rule.currency}`;
}
