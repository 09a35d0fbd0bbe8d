"use client";

import { KeyRound, UserCheck, UserX } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { resetStaffPasswordAction, setStaffDisabledAction } from "@/app/(admin)/staff/actions";
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
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import type { StaffListItem } from "@/lib/staff/manage";
import { ChangeRoleButton } from "./change-role-button";
import { OneTimePassword } from "./one-time-password";
import { ResetTwoFactorButton } from "./reset-two-factor-button";

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
  const fmt = useFormat();
  const now = Date.now();
  return (
    <div className="rounded-lg border bg-card">
      <Table aria-label="Staff accounts">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead>Name</TableHead>
            <TableHead>Role</TableHead>
            <TableHead>State</TableHead>
            <TableHead>Last sign-in</TableHead>
            <TableHead className="text-right">Actions</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {staff.map((user) => {
            const locked = user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > now;
            const self = user.id === currentUserId;
            return (
              <TableRow key={user.id} data-testid="staff-row" data-email={user.email}>
                <TableCell>
                  <div className="font-medium">
                    {user.name}
                    {self ? <span className="text-muted-foreground"> (you)</span> : null}
                  </div>
                  <div className="text-xs text-muted-foreground">{user.email}</div>
                </TableCell>
                <TableCell className="capitalize">{user.role}</TableCell>
                <TableCell>
                  {user.disabled ? (
                    <Badge variant="neutral">Disabled</Badge>
                  ) : locked ? (
                    <Badge variant="warning">Locked until {fmt.dateTime(user.lockedUntil)}</Badge>
                  ) : user.mustChangePassword ? (
                    <Badge variant="info">One-time password</Badge>
                  ) : (
                    <Badge variant="success">Active</Badge>
                  )}
                </TableCell>
                <TableCell className="text-sm text-muted-foreground">
                  {user.lastLoginAt ? fmt.dateTime(user.lastLoginAt) : "Never"}
                </TableCell>
                <TableCell className="text-right">
                  <div className="flex justify-end gap-1">
                    <ResetPasswordButton id={user.id} email={user.email} />
                    <ChangeRoleButton id={user.id} email={user.email} role={user.role} />
                    {!self && twoFactorIds.includes(user.id) ? (
                      <ResetTwoFactorButton id={user.id} email={user.email} />
                    ) : null}
                    {self ? null : <DisableButton id={user.id} email={user.email} disabled={user.disabled} />}
                  </div>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
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
