"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
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
} from "@/components/ui/alert-dialog";
import { toast } from "@/components/ui/toast";
import { cn } from "@/lib/utils";
import { setRoleRequirementAction } from "./actions";

interface RoleRow {
  role: "admin" | "support" | "auditor";
  requireTwoFactor: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

const ROLE_NAMES: Record<RoleRow["role"], string> = {
  admin: "Admins",
  support: "Support",
  auditor: "Auditors",
};

export function RoleRequirementSwitches({ roles }: { roles: RoleRow[] }) {
  const router = useRouter();
  const fmt = useFormat();
  const [asking, setAsking] = useState<RoleRow | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const apply = async (row: RoleRow) => {
    setPending(row.role);
    const result = await setRoleRequirementAction({
      role: row.role,
      requireTwoFactor: !row.requireTwoFactor,
    });
    setPending(null);
    if (result.ok) {
      toast.success(
        `${ROLE_NAMES[row.role]} ${result.data.requireTwoFactor ? "must now use" : "no longer need"} a second factor`,
      );
      router.refresh();
    } else {
      toast.error(result.message);
    }
  };
  return (
    <>
      <ul className="divide-y rounded-lg border bg-card">
        {roles.map((row) => {
          const id = `require-${row.role}`;
          return (
            <li
              key={row.role}
              className="flex items-center justify-between gap-4 p-4"
              data-testid="role-security-row"
              data-role={row.role}
            >
              <div>
                <p id={`${id}-label`} className="font-medium">
                  {ROLE_NAMES[row.role]} must use a second factor
                </p>
                <p className="text-xs text-muted-foreground">
                  {row.updatedBy && row.updatedAt
                    ? `Changed by ${row.updatedBy}, ${fmt.dateTime(row.updatedAt)}`
                    : "Not changed since setup"}
                </p>
              </div>
              <button
                type="button"
                role="switch"
                id={id}
                aria-checked={row.requireTwoFactor}
                aria-labelledby={`${id}-label`}
                aria-busy={pending === row.role}
                disabled={pending !== null}
                onClick={() => setAsking(row)}
                className={cn(
                  "relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent transition-colors",
                  "focus-visible:outline-hidden focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background",
                  "disabled:cursor-not-allowed disabled:opacity-50",
                  row.requireTwoFactor ? "bg-primary" : "bg-input",
                )}
              >
                <span
                  aria-hidden
                  className={cn(
                    "block size-5 rounded-full bg-background shadow transition-transform",
                    row.requireTwoFactor ? "translate-x-5" : "translate-x-0",
                  )}
                />
              </button>
            </li>
          );
        })}
      </ul>
      <AlertDialog open={asking !== null} onOpenChange={(open) => !open && setAsking(null)}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>
              {asking?.requireTwoFactor
                ? `Stop requiring a second factor for ${asking ? ROLE_NAMES[asking.role].toLowerCase() : ""}?`
                : `Require a second factor for ${asking ? ROLE_NAMES[asking.role].toLowerCase() : ""}?`}
            </AlertDialogTitle>
            <AlertDialogDescription>
              {asking?.requireTwoFactor
                ? "A password alone will sign them in again. Accounts that set up a second factor keep using it."
                : "Members without a second factor are sent to set one up on their next request and can do nothing else until they have."}
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              onClick={() => {
                if (asking) void apply(asking);
                setAsking(null);
              }}
            >
              {asking?.requireTwoFactor ? "Stop requiring" : "Require"}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </>
  );
}
