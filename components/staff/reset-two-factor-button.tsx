"use client";

import { ShieldOff } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { resetStaffTwoFactorAction } from "@/app/(admin)/staff/two-factor-actions";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/textarea";

/** "Reset second factor" for another staff member (a lost phone): with a reason, audited. */
export function ResetTwoFactorButton({ id, email }: { id: string; email: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string[] | undefined>();
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setReason("");
          setError(undefined);
        }
      }}
    >
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" data-testid="reset-two-factor">
          <ShieldOff className="size-4" aria-hidden /> Reset second factor
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form
          noValidate
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            const result = await resetStaffTwoFactorAction({ staffId: id, reason });
            setPending(false);
            if (result.ok) {
              setOpen(false);
              toast.success(`Second factor of ${email} removed; they are signed out everywhere`);
              router.refresh();
            } else if (result.fieldErrors.reason) {
              setError(result.fieldErrors.reason);
            } else {
              toast.error(result.message);
            }
          }}
        >
          <AlertDialogHeader>
            <AlertDialogTitle>Reset the second factor of {email}?</AlertDialogTitle>
            <AlertDialogDescription>
              Their authenticator app and recovery codes stop working, and every session of theirs ends. They
              sign in with their password and, if their role requires it, set up a new second factor first.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <Field label="Reason" id={`reset-2fa-reason-${id}`} required error={error}>
            <Textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} autoFocus />
          </Field>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
            <Button type="submit" variant="destructive" disabled={pending} aria-busy={pending}>
              {pending ? "Resetting…" : "Reset second factor"}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
