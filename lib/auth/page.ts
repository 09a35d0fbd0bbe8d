import { forbidden, redirect } from "next/navigation";
import { currentActor } from "./current";
import { type Permission, roleCan } from "./permissions";
import type { SessionActor } from "./session";

/**
 * Every page calls this itself: layouts are not re-run on client-side navigation, so a
 * layout-only check would not guard a page reached by a link.
 */
export async function requirePageActor(
  permission?: Permission,
  options: { passwordChangePage?: boolean; twoFactorEnrolPage?: boolean } = {},
): Promise<SessionActor> {
  const actor = await currentActor();
  if (!actor) redirect("/login?notice=ended");
  // A one-time password opens only the page where the account chooses its own.
  if (actor.mustChangePassword && !options.passwordChangePage) redirect("/account/password");
  // A role that requires a second factor opens nothing else until the account has one.
  if (actor.mustEnrolTwoFactor && !actor.mustChangePassword && !options.twoFactorEnrolPage) {
    redirect("/account/security");
  }
  if (permission && !roleCan(actor.role, permission)) forbidden();
  return actor;
}
