"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { KeyRound, UserCheck, UserX } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { resetStaffPasswordAction, setStaffDisabledAction } from "@/app/(admin)/staff/actions";
import { DataTable } from "@/components/data-table/data-table";
import { useFormat } from "@/components/format/format-provider";
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
import { Dialog, DialogContent, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { toast } from "@/components/ui/toast";
import type { StaffListItem } from "@/lib/staff/manage";
import { ChangeRoleButton } from "./change-role-button";
import { OneTimePassword } from "./one-time-password";
import { ResetTwoFactorButton } from "./reset-two-factor-button";

interface StaffRow {
  user: StaffListItem;
  self: boolean;
  locked: boolean;
  hasTwoFactor: boolean;
}

/**
 * Module-level, so the same on every render: a refresh after an action must not remount the
 * cells, whose dialogs (a one-time password being shown) hold state.
 */
const COLUMNS: ColumnDef<StaffRow>[] = [
  {
    id: "name",
    header: "Name",
    cell: ({ row }) => (
      <>
        <div className="font-medium">
          {row.original.user.name}
          {row.original.self ? <span className="text-muted-foreground"> (you)</span> : null}
        </div>
        <div className="text-xs text-muted-foreground">{row.original.user.email}</div>
      </>
    ),
  },
  {
    id: "role",
    header: "Role",
    cell: ({ row }) => <span className="capitalize">{row.original.user.role}</span>,
  },
  { id: "state", header: "State", cell: ({ row }) => <StaffState row={row.original} /> },
  {
    id: "lastSignIn",
    header: "Last sign-in",
    cell: ({ row }) => <LastSignIn at={row.original.user.lastLoginAt} />,
  },
  {
    id: "actions",
    header: "Actions",
    meta: { align: "right" },
    cell: ({ row }) => {
      const { user, self, hasTwoFactor } = row.original;
      return (
        <div className="flex justify-end gap-1">
          <ResetPasswordButton id={user.id} email={user.email} />
          <ChangeRoleButton id={user.id} email={user.email} role={user.role} />
          {!self && hasTwoFactor ? <ResetTwoFactorButton id={user.id} email={user.email} /> : null}
          {self ? null : <DisableButton id={user.id} email={user.email} disabled={user.disabled} />}
        </div>
      );
    },
  },
];

export function StaffTable({
  staff,
  currentUserId,
  twoFactorIds = [],
}: {
  staff: StaffListItem[];
  currentUserId: string;
  /** Accounts with a second factor (an admin may reset another's). */
  twoFactorIds?: string[];
}) {
  const now = Date.now();
  const rows = staff.map((user) => ({
    user,
    self: user.id === currentUserId,
    locked: user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > now,
    hasTwoFactor: twoFactorIds.includes(user.id),
  }));
  return (
    <DataTable
      label="Staff accounts"
      columns={COLUMNS}
      data={rows}
      getRowId={(row) => row.user.id}
      rowAttributes={(row) => ({ "data-testid": "staff-row", "data-email": row.user.email })}
      empty={null}
    />
  );
}

function StaffState({ row }: { row: StaffRow }) {
  const fmt = useFormat();
  const { user, locked } = row;
  if (user.disabled) return <Badge variant="neutral">Disabled</Badge>;
  if (locked) return <Badge variant="warning">Locked until {fmt.dateTime(user.lockedUntil)}</Badge>;
  if (user.mustChangePassword) return <Badge variant="info">One-time password</Badge>;
  return <Badge variant="success">Active</Badge>;
}

function LastSignIn({ at }: { at: StaffListItem["lastLoginAt"] }) {
  const fmt = useFormat();
  return <span className="text-sm text-muted-foreground">{at ? fmt.dateTime(at) : "Never"}</span>;
}

function DisableButton({ id, email, disabled }: { id: string; email: string; disabled: boolean }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const run = async () => {
    setPending(true);
    const result = await setStaffDisabledAction({ staffId: id, disabled: !disabled });
    setPending(false);
    if (result.ok) {
      toast.success(result.data.disabled ? `${email} can no longer sign in` : `${email} can sign in again`);
      router.refresh();
    } else {
      toast.error(result.message);
    }
  };
  if (disabled) {
    return (
      <Button variant="ghost" size="sm" onClick={run} disabled={pending}>
        <UserCheck className="size-4" aria-hidden /> Enable
      </Button>
    );
  }
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={pending}>
          <UserX className="size-4" aria-hidden /> Disable
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Disable {email}?</AlertDialogTitle>
          <AlertDialogDescription>
            They are signed out on their next request and cannot sign in until an admin enables the account
            again.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={run}>Disable account</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function ResetPasswordButton({ id, email }: { id: string; email: string }) {
  const router = useRouter();
  const [password, setPassword] = useState<string | null>(null);
  return (
    <>
      <AlertDialog>
        <AlertDialogTrigger asChild>
          <Button variant="ghost" size="sm">
            <KeyRound className="size-4" aria-hidden /> Reset password
          </Button>
        </AlertDialogTrigger>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Reset the password of {email}?</AlertDialogTitle>
            <AlertDialogDescription>
              Their current password stops working at once and any lock-out is lifted. You will see the new
              one-time password once.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              onClick={async () => {
                const result = await resetStaffPasswordAction({ staffId: id });
                if (result.ok) {
                  setPassword(result.data.oneTimePassword);
                  router.refresh();
                } else {
                  toast.error(result.message);
                }
              }}
            >
              Reset password
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      <Dialog open={password !== null} onOpenChange={(open) => !open && setPassword(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>New password</DialogTitle>
          </DialogHeader>
          {password ? <OneTimePassword email={email} password={password} /> : null}
          <DialogFooter>
            <Button onClick={() => setPassword(null)}>Done</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}
