import { problem } from "@/lib/http/problem";

/**
 * Who asks the health check when the database fails. Signed-in admins get the error's first
 * line; everyone else (load balancers, the internet) learns only that the database is
 * unavailable: the error text names hosts, roles and paths.
 *
 * An admin is recognised by the account in the database when it answers, else (the usual
 * case here: it does not) by the role in the signed session cookie.
 */
export async function viewerIsAdmin(): Promise<boolean> {
  try {
    const { currentActor } = await import("@/lib/auth/current");
    const actor = await currentActor();
    return actor?.role === "admin" && !actor.mustChangePassword;
  } catch {
    try {
      const { auth } = await import("@/lib/auth/next-auth");
      return (await auth())?.user?.role === "admin";
    } catch {
      return false;
    }
  }
}

export const GENERIC_DETAIL = "The database is unavailable.";

/** The 503 answer for a failed health check. */
export async function databaseFailure(err: unknown, isAdmin: () => Promise<boolean> = viewerIsAdmin) {
  const detail = (await isAdmin())
    ? (err instanceof Error ? err.message : String(err)).split("\n")[0]
    : GENERIC_DETAIL;
  return problem(503, "Database unavailable", detail || GENERIC_DETAIL);
}
