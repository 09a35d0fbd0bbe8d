"use client";

import { Plus } from "lucide-react";
import { DormantDialog } from "@/components/lazy/dormant-dialog";
import { Button } from "@/components/ui/button";

const load = () => import("./create-endpoint-dialog").then((m) => m.CreateEndpointDialog);

/** "Add endpoint": the dialog and its form arrive when the button is first pointed at or pressed. */
export function AddEndpointButton() {
  return (
    <DormantDialog
      load={load}
      props={{}}
      trigger={
        <Button data-testid="add-endpoint">
          <Plus className="size-4" aria-hidden />
          Add endpoint
        </Button>
      }
    />
  );
}
