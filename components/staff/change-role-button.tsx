"use client";

import { UserCog } from "lucide-react";
import { useState } from "react";
import { changeStaffRoleAction } from "@/app/(admin)/staff/role-actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { NativeSelect } from "@/components/ui/native-select";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { toast } from "@/components/ui/toast";
import { type StaffRole, staffRoles } from "@/db/schema/enum-values";

/** "Change role" for a staff member: pick the role, say why, confirm; audited, ends their sessions. */
export function ChangeRoleButton({ id, email, role }: { id: string; email: string; role: StaffRole }) {
  const [next, setNext] = useState<StaffRole>(role);
  return (
    <ReasonDialog
      trigger={
        <Button variant="ghost" size="sm" data-testid="change-role">
          <UserCog className="size-4" aria-hidden /> Change role
        </Button>
      }
      title={`Change the role of ${email}?`}
      description="Every session of theirs ends at once; they sign in again with the new role. The change and your reason are kept in the audit log."
      confirmLabel="Change role"
      pendingLabel="Changing…"
      fields={["role"]}
      onOpen={() => setNext(role)}
      submit={async (reason) =>
        // The service treats the same role as nothing to do; here it is a choice not yet made.
        next === role
          ? {
              ok: false,
              code: "validation",
              message: "Pick another role",
              fieldErrors: { role: [`${email} already is ${role}: pick another role`] },
            }
          : changeStaffRoleAction({ staffId: id, role: next, reason })
      }
      onDone={(data) => toast.success(`${email} is now ${data.role}; they are signed out everywhere`)}
    >
      {(errors) => (
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
      )}
    </ReasonDialog>
  );
}
