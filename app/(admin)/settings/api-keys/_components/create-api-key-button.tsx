"use client";

import { KeyRound } from "lucide-react";
import { DormantDialog } from "@/components/lazy/dormant-dialog";
import { Button } from "@/components/ui/button";

const load = () => import("./create-api-key-dialog").then((m) => m.CreateApiKeyDialog);

/** "Create API key": the dialog and its form arrive when the button is first pointed at or pressed. */
export function CreateApiKeyButton() {
  return (
    <DormantDialog
      load={load}
      props={{}}
      trigger={
        <Button data-testid="create-api-key">
          <KeyRound className="size-4" aria-hidden />
          Create API key
        </Button>
      }
    />
  );
}
