import { problem } from "../http/problem";
import { currentActor } from "./current";
import { type Permission, roleCan } from "./permissions";
import type { SessionActor } from "./session";

export type RouteAuthorization = { ok: true; actor: SessionActor } | { ok: false; response: Response };

/** The route-handler side of the permission map: 401 without a session, 403 without the right. */
export async function authorizeRoute(permission: Permission): Promise<RouteAuthorization> {
  const actor = await currentActor();
  if (!actor) {
    return { ok: false, response: problem(401, "Unauthorized", "Sign in to use this endpoint.") };
  }
  if (actor.mustChangePassword) {
    return {
      ok: false,
      response: problem(
        403,
        "Forbidden",
        "Choose your own password first: a one-time password allows nothing else.",
      ),
    };
  }
  if (actor.mustEnrolTwoFactor) {
    return {
      ok: false,
      response: problem(403, "Forbidden", "Set up two-factor sign-in first: your role requires it."),
    };
  }
  if (!roleCan(actor.role, permission)) {
    return {
      ok: false,
      response: problem(
        403,
        "Forbidden",
        `The ${actor.role} role may not use this endpoint (${permission}).`,
      ),
    };
  }
  return { ok: true, actor };
}
