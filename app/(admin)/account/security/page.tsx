import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { twoFactorStatus } from "@/lib/auth/two-factor/status";
import { TwoFactorPanel } from "./two-factor-panel";

export const metadata: Metadata = { title: "Two-factor sign-in" };
export const dynamic = "force-dynamic";

export default async function AccountSecurityPage() {
  const actor = await requirePageActor("account.manage_own_two_factor", { twoFactorEnrolPage: true });
  const status = await twoFactorStatus(await appDb(), actor.id, actor.role);
  return (
    <div className="mx-auto max-w-xl space-y-4">
      <div className="space-y-1">
        <div className="flex items-center gap-2">
          <h1 className="text-xl font-semibold tracking-tight">Two-factor sign-in</h1>
          {status.enrolled ? (
            <Badge variant="success" data-testid="two-factor-status">
              On
            </Badge>
          ) : (
            <Badge variant="neutral" data-testid="two-factor-status">
              Off
            </Badge>
          )}
        </div>
        <p className="text-sm text-muted-foreground">
          {actor.mustEnrolTwoFactor
            ? "Your role requires a second factor. Set it up to continue: until then, Paydesk opens nothing else."
            : "After your password, Paydesk asks for a code from an authenticator app on your phone."}
        </p>
      </div>
      <TwoFactorPanel
        enrolled={status.enrolled}
        enabledAt={status.enabledAt?.toISOString() ?? null}
        recoveryCodesLeft={status.recoveryCodesLeft}
        required={status.required}
        email={actor.email}
      />
    </div>
  );
}
