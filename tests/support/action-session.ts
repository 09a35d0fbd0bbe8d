import { vi } from "vitest";
import type { DatabaseHandle, Db } from "@/db/client";
import { actorForSession, type SessionActor } from "@/lib/auth/session";

/**
 * The request seam of server actions, for tests that call actions directly. A test file
 * replaces `@/lib/auth/current` with `currentModuleMock` (via `vi.mock` with a dynamic
 * import of this module), then chooses the database and the signed-in account per test:
 *
 *   vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
 *   useActionDb(t.db); signInAs(admin.id);
 *
 * `currentActor` resolves the chosen account exactly as the real one resolves a session's
 * user id (actorForSession: a disabled or deleted account has no actor), unless a test sets
 * an explicit actor with `actAs`.
 */
interface SessionState {
  db: Db | null;
  userId: string | null;
  actor: SessionActor | null | undefined;
  /** Apply the two-factor enrolment gate (see signInAs). */
  twoFactorGate: boolean;
}

const state: SessionState = { db: null, userId: null, actor: undefined, twoFactorGate: false };

// db/runtime.ts keeps the process-wide database here.
const processDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };
let ownProcessDb: Promise<DatabaseHandle> | undefined;

/**
 * The database of actions and route handlers: `appDb` here, and the process-wide one
 * (db/runtime.ts `getDatabase`) that routes without a session take it from (the webhooks).
 */
export function useActionDb(db: Db): void {
  state.db = db;
  ownProcessDb = Promise.resolve({ db } as DatabaseHandle);
  processDb.__paydeskDb = ownProcessDb;
}

/**
 * The session's user id: resolved through actorForSession on each call, like the app does.
 * The account acts as one that has set up any second factor its role requires (the test
 * database keeps the production default, admins must), unless `twoFactorGate` asks for the
 * real gate (tests of the gate itself).
 */
export function signInAs(userId: string | null, options: { twoFactorGate?: boolean } = {}): void {
  state.userId = userId;
  state.actor = undefined;
  state.twoFactorGate = options.twoFactorGate ?? false;
}

/** A fixed actor, bypassing the account lookup (for wrapper tests with fake verbs). */
export function actAs(actor: SessionActor | null): void {
  state.actor = actor;
  state.userId = null;
}

export function signOut(): void {
  signInAs(null);
}

export function resetActionSession(): void {
  state.db = null;
  if (processDb.__paydeskDb === ownProcessDb) processDb.__paydeskDb = undefined;
  ownProcessDb = undefined;
  state.userId = null;
  state.actor = undefined;
  state.twoFactorGate = false;
}

function requireDb(): Db {
  if (!state.db) throw new Error("action-session: call useActionDb(db) before calling an action");
  return state.db;
}

export const currentModuleMock = {
  appDb: vi.fn(async (): Promise<Db> => requireDb()),
  currentActor: vi.fn(async (): Promise<SessionActor | null> => {
    if (state.actor !== undefined) return state.actor;
    if (!state.userId) return null;
    const actor = await actorForSession(requireDb(), state.userId);
    return actor && !state.twoFactorGate ? { ...actor, mustEnrolTwoFactor: false } : actor;
  }),
};
