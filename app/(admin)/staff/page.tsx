import type { Metadata } from "next";
import { CreateStaffDialog } from "@/components/staff/create-staff-dialog";
import { StaffTable } from "@/components/staff/staff-table";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { enrolledStaffIds } from "@/lib/auth/two-factor/status";
import { listStaff } from "@/lib/staff/manage";

export const metadata: Metadata = { title: "Staff" };
export const dynamic = "force-dynamic";

export default async function StaffPage() {
  const actor = await requirePageActor("staff.manage");
  const db = await appDb();
  const [staff, twoFactor] = await Promise.all([listStaff(db), enrolledStaffIds(db)]);
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Staff</h1>
          <p className="text-sm text-muted-foreground">Who can sign in to Paydesk, and with which role.</p>
        </div>
        <CreateStaffDialog />
      </div>
      <StaffTable staff={staff} currentUserId={actor.id} twoFactorIds={[...twoFactor]} />
    </div>
  );
}
