"use client";

import { Check, X } from "lucide-react";
import { DormantDialog } from "@/components/lazy/dormant-dialog";
import { Button } from "@/components/ui/button";
import type { DecisionProps } from "./decision-dialog";

const load = () => import("./decision-dialog").then((m) => m.DecisionDialog);

/** "Approve" or "Reject": the confirmation dialog and its form arrive when first pointed at or pressed. */
export function DecisionButton(props: DecisionProps) {
  const approve = props.decision === "approve";
  return (
    <DormantDialog
      load={load}
      props={props}
      trigger={
        <Button
          size="sm"
          variant={approve ? "default" : "outline"}
          data-testid={approve ? "approve-request" : "reject-request"}
        >
          {approve ? <Check className="size-4" aria-hidden /> : <X className="size-4" aria-hidden />}
          {approve ? "Approve" : "Reject"}
        </Button>
      }
    />
  );
}
