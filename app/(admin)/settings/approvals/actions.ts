"use server";

import { revalidatePath } from "next/cache";
import { createRule, deleteRule, updateRule } from "@/lib/approvals/rules";
import { createRuleInput, ruleIdInput, updateRuleInput } from "@/lib/approvals/schema";
import { defineAction } from "@/lib/auth/action";

function view(rule: {
  id: string;
  kind: string;
  currency: string | null;
  thresholdMinor: bigint | null;
  days: number | null;
  enabled: boolean;
}) {
  return {
    id: rule.id,
    kind: rule.kind,
    currency: rule.currency,
    thresholdMinor: rule.thresholdMinor,
    days: rule.days,
    enabled: rule.enabled,
  };
}

export const createRuleAction = defineAction({
  permission: "approval_rule.manage",
  input: createRuleInput,
  async run(ctx, _input, raw) {
    const rule = await createRule(ctx, raw);
    revalidatePath("/settings/approvals");
    return view(rule);
  },
});

export const updateRuleAction = defineAction({
  permission: "approval_rule.manage",
  input: updateRuleInput,
  async run(ctx, _input, raw) {
    const rule = await updateRule(ctx, raw);
    revalidatePath("/settings/approvals");
    return view(rule);
  },
});

export const deleteRuleAction = defineAction({
  permission: "approval_rule.manage",
  input: ruleIdInput,
  async run(ctx, _input, raw) {
    const result = await deleteRule(ctx, raw);
    revalidatePath("/settings/approvals");
    return result;
  },
});
