import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { endedSessions, staffUsers } from "@/db/schema";
import type { Actor } from "../context";
import { isUuid } from "../validation/common";
import { mustEnrolTwoFactor } from "./two-factor/status";

export type StaffActor = Extract<Actor, { type: "staff" }>;

/** The signed-in staff member, and whether they still hold a one-time password. */
export type SessionActor = StaffActor & {
  mustChangePassword: boolean;
  /** The role requires a second factor and the account has none: it may only enrol. */
  mustEnrolTwoFactor?: boolean;
};

/**
 * The staff member a session belongs to, read fresh from the database: a disabled or
 * deleted account, or a changed role, takes effect on the next request, not when the
 * 8-hour token expires.
 */
export async function actorForSession(
  db: Db,
  userId: string | null | undefined,
  /** The session's start (ms) and id; null skips those checks (tests acting as an account). */
  session: { signedInAt: number; sessionId: string | null } | null = null,
): Promise<SessionActor | null> {
  if (!userId) return null;
  const [user] = await db
    .select({
      id: staffUsers.id,
      email: staffUsers.email,
      name: staffUsers.name,
      role: staffUsers.role,
      disabled: staffUsers.disabled,
      mustChangePassword: staffUsers.mustChangePassword,
      sessionsValidAfter: staffUsers.sessionsValidAfter,
      keptSessionId: staffUsers.keptSessionId,
    })
    .from(staffUsers)
    .where(eq(staffUsers.id, userId));
  if (!user || user.disabled) return null;
  // Disabled or password reset since this session began, or this session signed out: the
  // cookie is void even if someone kept a copy.
  // The one exception: the session that changed its own password ended all the others and
  // stays (until something else moves sessionsValidAfter, which clears the exception).
  const kept =
    session?.sessionId != null && user.keptSessionId != null && session.sessionId === user.keptSessionId;
  if (session && !kept && user.sessionsValidAfter && session.signedInAt < user.sessionsValidAfter.getTime()) {
    return null;
  }
  if (session?.sessionId && isUuid(session.sessionId)) {
    const [ended] = await db
      .select({ id: endedSessions.sessionId })
      .from(endedSessions)
      .where(eq(endedSessions.sessionId, session.sessionId));
    if (ended) return null;
  }
  return {
    type: "staff",
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
    mustEnrolTwoFactor: await mustEnrolTwoFactor(db, user.id, user.role),
  };
}
