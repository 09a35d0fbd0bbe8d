"use client";

import { Pencil, Plus } from "lucide-react";
import { DormantDialog } from "@/components/lazy/dormant-dialog";
import { Button } from "@/components/ui/button";
import type { RuleDialogMode } from "./rule-dialog";

const load = () => import("./rule-dialog").then((m) => m.RuleDialog);

/** "Add rule" or a rule's "Edit": the dialog and its form arrive when first pointed at or pressed. */
export function RuleButton({ mode }: { mode: RuleDialogMode }) {
  const trigger =
    mode.kind === "edit" ? (
      <Button variant="ghost" size="sm" data-testid="edit-approval-rule" aria-label="Edit rule">
        <Pencil className="size-4" aria-hidden /> Edit
      </Button>
    ) : (
      <Button data-testid="add-approval-rule">
        <Plus className="size-4" aria-hidden /> Add rule
      </Button>
    );
  return <DormantDialog load={load} props={{ mode }} trigger={trigger} />;
}
