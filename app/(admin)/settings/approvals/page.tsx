import type { Metadata } from "next";
import { listRules } from "@/lib/approvals/rules";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { RuleButton } from "./_components/rule-button";
import { RulesTable } from "./_components/rules-table";

export const metadata: Metadata = { title: "Approval rules" };
export const dynamic = "force-dynamic";

export default async function ApprovalRulesPage() {
  await requirePageActor("approval_rule.manage");
  const rules = await listRules(await appDb());
  const hasGrantRule = rules.some((r) => r.kind === "subscription.grant");
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Approval rules</h1>
          <p className="max-w-3xl text-sm text-muted-foreground">
            A staff action that matches an enabled rule waits at Approvals until a different admin approves
            it: manual payments and full refunds of at least a threshold (one per currency; a currency without
            a rule is never held), and grants of more than a number of days.
          </p>
        </div>
        <RuleButton mode={{ kind: "create", hasGrantRule }} />
      </div>
      <RulesTable
        rules={rules.map((r) => ({
          id: r.id,
          kind: r.kind,
          currency: r.currency,
          thresholdMinor: r.thresholdMinor,
          days: r.days,
          enabled: r.enabled,
          updatedAt: r.updatedAt,
        }))}
      />
    </div>
  );
}
