"use client";

import { UserCog } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { changeStaffRoleAction } from "@/app/(admin)/staff/role-actions";
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
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { type StaffRole, staffRoles } from "@/db/schema/enums";

/** "Change role" for a staff member: pick the role, say why, confirm; audited, ends their sessions. */
export function ChangeRoleButton({ id, email, role }: { id: string; email: string; role: StaffRole }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [next, setNext] = useState<StaffRole>(role);
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog
      open={open}
      onOpenChange={(isOpen) => {
        setOpen(isOpen);
        if (!isOpen) {
          setNext(role);
          setReason("");
          setErrors({});
        }
      }}
    >
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" data-testid="change-role">
          <UserCog className="size-4" aria-hidden /> Change role
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form
          noValidate
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            if (next === role) {
              setErrors({ role: [`${email} already is ${role}: pick another role`] });
              return;
            }
            setPending(true);
            const result = await changeStaffRoleAction({ staffId: id, role: next, reason });
            setPending(false);
            if (result.ok) {
              setOpen(false);
              toast.success(`${email} is now ${result.data.role}; they are signed out everywhere`);
              router.refresh();
            } else if (result.fieldErrors.role || result.fieldErrors.reason) {
              setErrors(result.fieldErrors);
            } else {
              toast.error(result.message);
            }
          }}
        >
          <AlertDialogHeader>
            <AlertDialogTitle>Change the role of {email}?</AlertDialogTitle>
            <AlertDialogDescription>
              Every session of theirs ends at once; they sign in again with the new role. The change and your
              reason are kept in the audit log.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <Field label="New role" id={`change-role-role-${id}`} error={errors.role}>
            <NativeSelect
              value={next}
              onChange={(e) => setNext(e.target.value as StaffRole)}
              wrapperClassName="w-full"
            >
              {staffRoles.map((r) => (
                <option key={r} value={r}>
                  {r}
                  {r === role ? " (current)" : ""}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <Field label="Reason" id={`change-role-reason-${id}`} required error={errors.reason}>
            <Textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
          </Field>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
            <Button type="submit" disabled={pending} aria-busy={pending}>
              {pending ? "Changing…" : "Change role"}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
