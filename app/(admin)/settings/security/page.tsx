import type { Metadata } from "next";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { listRoleRequirements } from "@/lib/auth/two-factor/role-settings";
import { RoleRequirementSwitches } from "./role-requirement-switches";

export const metadata: Metadata = { title: "Sign-in security" };
export const dynamic = "force-dynamic";

export default async function SecuritySettingsPage() {
  await requirePageActor("security.manage");
  const roles = await listRoleRequirements(await appDb());
  return (
    <div className="max-w-2xl space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Sign-in security</h1>
        <p className="text-sm text-muted-foreground">
          Which roles must sign in with a second factor (a code from an authenticator app). Anyone may turn it
          on for their own account at Account → Two-factor sign-in. Members of a role that requires it and
          have none are sent to set it up on their next request, and can do nothing else until they have.
        </p>
      </div>
      <RoleRequirementSwitches
        roles={roles.map((r) => ({ ...r, updatedAt: r.updatedAt?.toISOString() ?? null }))}
      />
    </div>
  );
}
