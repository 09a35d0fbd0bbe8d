"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { ShieldCheck, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { DataTable } from "@/components/data-table/data-table";
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
import { toast } from "@/components/ui/toast";
import { deleteRuleAction, updateRuleAction } from "../actions";
import { KIND_LABEL, type RuleRow, ruleCondition } from "./labels";
import { RuleButton } from "./rule-button";

/** Stable: the cells render their own components, and the rule comes with the row. */
const COLUMNS: ColumnDef<RuleRow>[] = [
  {
    id: "action",
    header: "Action",
    cell: ({ row }) => <span className="font-medium">{KIND_LABEL[row.original.kind]}</span>,
  },
  {
    id: "condition",
    header: "Held when",
    cell: ({ row }) => <span data-testid="approval-rule-condition">{ruleCondition(row.original)}</span>,
  },
  {
    id: "status",
    header: "Status",
    cell: ({ row }) =>
      row.original.enabled ? (
        <Badge variant="success">Enabled</Badge>
      ) : (
        <Badge variant="neutral">Disabled</Badge>
      ),
  },
  {
    id: "actions",
    header: "Actions",
    meta: { align: "right" },
    cell: ({ row }) => (
      <div className="flex justify-end gap-1">
        <ToggleButton rule={row.original} />
        <RuleButton mode={{ kind: "edit", rule: row.original }} />
        <DeleteButton rule={row.original} />
      </div>
    ),
  },
];

export function RulesTable({ rules }: { rules: RuleRow[] }) {
  return (
    <DataTable
      label="Approval rules"
      testId="approval-rules-table"
      columns={COLUMNS}
      data={rules}
      getRowId={(rule) => rule.id}
      rowAttributes={(rule) => ({
        "data-testid": "approval-rule-row",
        "data-id": rule.id,
        "data-kind": rule.kind,
        "data-currency": rule.currency ?? "",
      })}
      empty={
        <EmptyState
          icon={ShieldCheck}
          title="No approval rules"
          description="Nothing waits for a second admin. Add a threshold to hold large payments or refunds."
          data-testid="approval-rules-empty"
          className="m-3"
        />
      }
    />
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
