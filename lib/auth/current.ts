import type { Db } from "@/db/client";
import { getDatabase } from "@/db/runtime";
import { auth } from "./next-auth";
import { actorForSession, type SessionActor } from "./session";

/** The app's database; one per process (see db/runtime.ts). */
export async function appDb(): Promise<Db> {
  return (await getDatabase()).db;
}

/** The signed-in staff member of this request, or null (no session, expired, disabled). */
export async function currentActor(): Promise<SessionActor | null> {
  const session = await auth();
  if (!session?.user?.id) return null;
  return actorForSession(await appDb(), session.user.id, {
    signedInAt: session.signedInAt ?? 0,
    sessionId: session.sessionId || null,
  });
}
