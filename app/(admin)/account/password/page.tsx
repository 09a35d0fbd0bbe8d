import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { requirePageActor } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Change password" };
export const dynamic = "force-dynamic";

export default async function ChangePasswordPage() {
  const actor = await requirePageActor("account.change_own_password", { passwordChangePage: true });
  return (
    <div className="mx-auto max-w-md space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">
          {actor.mustChangePassword ? "Choose your password" : "Change password"}
        </h1>
        <p className="text-sm text-muted-foreground">
          {actor.mustChangePassword
            ? "You signed in with a one-time password. Choose your own to continue."
            : `Signed in as ${actor.email}.`}{" "}
          Changing it signs you out everywhere else; this browser stays signed in.
        </p>
      </div>
      <ChangePasswordForm />
    </div>
  );
}
