"use client";

import { Pencil, ShieldCheck, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { deleteRuleAction, updateRuleAction } from "../actions";
import { KIND_LABEL, type RuleRow, ruleCondition } from "./labels";
import { RuleDialog } from "./rule-dialog";

export function RulesTable({ rules }: { rules: RuleRow[] }) {
  if (rules.length === 0) {
    return (
      <EmptyState
        icon={ShieldCheck}
        title="No approval rules"
        description="Nothing waits for a second admin. Add a threshold to hold large payments or refunds."
        data-testid="approval-rules-empty"
      />
    );
  }
  return (
    <div className="rounded-lg border bg-card">
      <Table aria-label="Approval rules" data-testid="approval-rules-table">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead>Action</TableHead>
            <TableHead>Held when</TableHead>
            <TableHead>Status</TableHead>
            <TableHead className="text-right">Actions</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rules.map((rule) => (
            <TableRow
              key={rule.id}
              data-testid="approval-rule-row"
              data-id={rule.id}
              data-kind={rule.kind}
              data-currency={rule.currency ?? ""}
            >
              <TableCell className="font-medium">{KIND_LABEL[rule.kind]}</TableCell>
              <TableCell data-testid="approval-rule-condition">{ruleCondition(rule)}</TableCell>
              <TableCell>
                {rule.enabled ? (
                  <Badge variant="success">Enabled</Badge>
                ) : (
                  <Badge variant="neutral">Disabled</Badge>
                )}
              </TableCell>
              <TableCell className="text-right">
                <div className="flex justify-end gap-1">
                  <ToggleButton rule={rule} />
                  <RuleDialog
                    mode={{ kind: "edit", rule }}
                    trigger={<Pencil className="size-4" aria-hidden />}
                  />
                  <DeleteButton rule={rule} />
                </div>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function ToggleButton({ rule }: { rule: RuleRow }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="ghost"
      size="sm"
      disabled={pending}
      aria-busy={pending}
      data-testid="toggle-approval-rule"
      onClick={async () => {
        setPending(true);
        const result = await updateRuleAction({ id: rule.id, enabled: !rule.enabled });
        setPending(false);
        if (result.ok) {
          toast.success(result.data.enabled ? "Rule enabled" : "Rule disabled");
          router.refresh();
        } else toast.error(result.message);
      }}
    >
      {rule.enabled ? "Disable" : "Enable"}
    </Button>
  );
}

function DeleteButton({ rule }: { rule: RuleRow }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={pending} data-testid="delete-approval-rule">
          <Trash2 className="size-4" aria-hidden /> Delete
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete this rule?</AlertDialogTitle>
          <AlertDialogDescription>
            {KIND_LABEL[rule.kind]} {ruleCondition(rule)} will no longer wait for a second admin. Requests it
            already held stay as they are.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            data-testid="confirm-delete-approval-rule"
            onClick={async () => {
              setPending(true);
              const result = await deleteRuleAction({ id: rule.id });
              setPending(false);
              if (result.ok) {
                toast.success("Rule deleted");
                router.refresh();
              } else toast.error(result.message);
            }}
          >
            Delete rule
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
