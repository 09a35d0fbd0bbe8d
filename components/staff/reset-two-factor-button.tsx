"use client";

import { ShieldOff } from "lucide-react";
import { resetStaffTwoFactorAction } from "@/app/(admin)/staff/two-factor-actions";
import { Button } from "@/components/ui/button";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { toast } from "@/components/ui/toast";

/** "Reset second factor" for another staff member (a lost phone): with a reason, audited. */
export function ResetTwoFactorButton({ id, email }: { id: string; email: string }) {
  return (
    <ReasonDialog
      trigger={
        <Button variant="ghost" size="sm" data-testid="reset-two-factor">
          <ShieldOff className="size-4" aria-hidden /> Reset second factor
        </Button>
      }
      title={`Reset the second factor of ${email}?`}
      description="Their authenticator app and recovery codes stop working, and every session of theirs ends. They sign in with their password and, if their role requires it, set up a new second factor first."
      confirmLabel="Reset second factor"
      pendingLabel="Resetting…"
      destructive
      submit={(reason) => resetStaffTwoFactorAction({ staffId: id, reason })}
      onDone={() => toast.success(`Second factor of ${email} removed; they are signed out everywhere`)}
    />
  );
}
