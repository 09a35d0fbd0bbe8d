import { randomUUID } from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { endedSessions, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { appendAudit } from "../audit/append";
import type { Actor, ServiceContext } from "../context";
import { requestLogger } from "../log";
import { countSignInFailure } from "../metrics/sign-in";
import { hashPassword, verifyPassword } from "../staff/password";
import { isUuid } from "../validation/common";
import { LOCKOUT_SECONDS, MAX_CONSECUTIVE_FAILURES, signInLimiters } from "./rate-limit";
import { SESSION_MAX_MS } from "./session-length";

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
}

export type SignInFailure = "invalid" | "locked" | "disabled" | "rate_limited";

export type SignInResult =
  | { ok: true; user: SignedInUser }
  | { ok: false; code: SignInFailure; retryAfterSeconds?: number };

/** What the sign-in form shows. None of them says whether the email has an account. */
export const SIGN_IN_MESSAGES: Record<SignInFailure, string> = {
  invalid: "Email or password is incorrect.",
  locked: "Too many failed attempts. Sign-in for this account is locked for 15 minutes.",
  disabled: "This account is disabled. Ask an administrator to enable it.",
  rate_limited: "Too many failed sign-ins from your network. Try again in a few minutes.",
};

export interface SignInRequest {
  ip: string | null;
  userAgent: string | null;
  requestId?: string;
  now?: Date;
}

const credentials = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254),
  password: z.string().min(1).max(200),
});

// A real hash of a random password: unknown emails cost the same argon2 verification as
// known ones, so response time does not reveal which emails exist.
let decoyHash: Promise<string> | null = null;
function decoy(): Promise<string> {
  decoyHash ??= hashPassword(randomUUID());
  return decoyHash;
}

const ANONYMOUS: Actor = { type: "system", id: "system:sign-in" };

/**
 * Checks a staff sign-in. Every outcome is audited; failures count towards a per-account
 * lock-out (5 in a row → 15 minutes) and a per-address budget, both kept in the database
 * so they hold across app instances. A refusal is also counted in
 * `paydesk_sign_in_failures_total{reason}` and logged (reason, address; never the email).
 */
export async function signInWithPassword(
  db: Db,
  raw: { email?: unknown; password?: unknown },
  request: SignInRequest,
): Promise<SignInResult> {
  const requestId = request.requestId ?? randomUUID();
  const result = await checkSignIn(db, raw, { ...request, requestId });
  if (!result.ok) {
    countSignInFailure(result.code);
    requestLogger(requestId).warn({ reason: result.code, ip: request.ip }, "sign-in refused");
  }
  return result;
}

async function checkSignIn(
  db: Db,
  raw: { email?: unknown; password?: unknown },
  request: SignInRequest & { requestId: string },
): Promise<SignInResult> {
  const now = request.now ?? new Date();
  const base = {
    db,
    via: "web" as const,
    requestId: request.requestId,
    ip: request.ip,
    userAgent: request.userAgent,
    now: () => now,
  };
  const limiters = signInLimiters(db);
  const address = request.ip ?? "unknown";

  const budget = await limiters.address.get(address);
  if (budget && budget.remainingPoints <= 0) {
    return { ok: false, code: "rate_limited", retryAfterSeconds: Math.ceil(budget.msBeforeNext / 1000) };
  }

  const parsed = credentials.safeParse(raw);
  if (!parsed.success) {
    await countAddressFailure(db, base, address);
    return { ok: false, code: "invalid" };
  }
  const { email, password } = parsed.data;

  const [known] = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(sql`lower(${staffUsers.email}) = ${email}`);

  if (!known) {
    const state = await limiters.unknownEmail.get(email);
    const locked = state !== null && state.remainingPoints <= 0;
    if (!locked) await verifyPassword(await decoy(), password);
    // Limiter writes go through the pool, never inside a transaction (PGlite has one connection).
    let lockedNow = false;
    if (!locked) {
      const after = await limiters.unknownEmail.penalty(email);
      lockedNow = after.consumedPoints >= MAX_CONSECUTIVE_FAILURES;
      if (lockedNow) await limiters.unknownEmail.block(email, LOCKOUT_SECONDS);
    }
    const ctx: ServiceContext = { ...base, actor: ANONYMOUS };
    await db.transaction(async (tx) => {
      await appendAudit(tx, ctx, {
        action: "staff.sign_in_failed",
        entityType: "sign_in",
        entityId: email,
        after: { email, outcome: locked ? "locked" : "invalid" },
      });
      if (lockedNow) {
        await appendAudit(tx, ctx, {
          action: "staff.lock_out",
          entityType: "sign_in",
          entityId: email,
          after: { email, lockedForSeconds: LOCKOUT_SECONDS },
        });
      }
    });
    await countAddressFailure(db, base, address);
    return { ok: false, code: locked || lockedNow ? "locked" : "invalid" };
  }

  // The row lock serialises attempts on one account, so parallel guesses cannot slip
  // past the fifth failure before the lock is written.
  const result = await db.transaction(async (tx): Promise<SignInResult> => {
    const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, known.id)).for("update");
    if (!user) return { ok: false, code: "invalid" };
    const anonymous: ServiceContext = { ...base, actor: ANONYMOUS };
    if (user.lockedUntil && user.lockedUntil > now) {
      await appendAudit(
        tx,
        anonymous,
        {
          action: "staff.sign_in_failed",
          entityType: "staff",
          entityId: user.id,
          after: { email: user.email, outcome: "locked" },
        },
        { entityLocked: true },
      );
      // No retry time: an unknown email's lock could not give the same one.
      return { ok: false, code: "locked" };
    }
    const matches = await verifyPassword(user.passwordHash, password);
    if (!matches) {
      const failures = user.failedLoginCount + 1;
      const lock = failures >= MAX_CONSECUTIVE_FAILURES;
      const lockedUntil = lock ? new Date(now.getTime() + LOCKOUT_SECONDS * 1000) : null;
      await tx
        .update(staffUsers)
        .set({ failedLoginCount: lock ? 0 : failures, lockedUntil })
        .where(eq(staffUsers.id, user.id));
      await appendAudit(
        tx,
        anonymous,
        {
          action: "staff.sign_in_failed",
          entityType: "staff",
          entityId: user.id,
          before: { failedLoginCount: user.failedLoginCount },
          after: { email: user.email, outcome: "invalid", failedLoginCount: failures },
        },
        { entityLocked: true },
      );
      if (lock) {
        await appendAudit(
          tx,
          anonymous,
          {
            action: "staff.lock_out",
            entityType: "staff",
            entityId: user.id,
            before: { lockedUntil: null },
            after: { email: user.email, lockedUntil: lockedUntil?.toISOString() },
          },
          { entityLocked: true },
        );
      }
      return { ok: false, code: lock ? "locked" : "invalid" };
    }
    const actor: Actor = { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
    if (user.disabled) {
      await appendAudit(
        tx,
        { ...base, actor },
        {
          action: "staff.sign_in_failed",
          entityType: "staff",
          entityId: user.id,
          after: { email: user.email, outcome: "disabled" },
        },
        { entityLocked: true },
      );
      return { ok: false, code: "disabled" };
    }
    await tx
      .update(staffUsers)
      .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: now })
      .where(eq(staffUsers.id, user.id));
    await appendAudit(
      tx,
      { ...base, actor },
      {
        action: "staff.sign_in",
        entityType: "staff",
        entityId: user.id,
        before: { lastLoginAt: user.lastLoginAt?.toISOString() ?? null },
        after: { lastLoginAt: now.toISOString() },
      },
      { entityLocked: true },
    );
    return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
  });
  // Every refusal costs the address the same as for an unknown email, or the budget would
  // tell real accounts apart.
  if (!result.ok) await countAddressFailure(db, base, address);
  return result;
}

async function countAddressFailure(
  db: Db,
  base: Omit<ServiceContext, "actor">,
  address: string,
): Promise<void> {
  const limiters = signInLimiters(db);
  const res = await limiters.address.penalty(address);
  // Audit the moment an address runs out of budget, not every refused attempt after it.
  if (res.consumedPoints === limiters.address.points) {
    await db.transaction((tx) =>
      appendAudit(
        tx,
        { ...base, actor: ANONYMOUS },
        {
          action: "auth.rate_limited",
          entityType: "client_address",
          entityId: address,
          after: { failures: res.consumedPoints, windowSeconds: limiters.address.duration },
        },
      ),
    );
  }
}

/** Audits a sign-out; the session itself lives in the browser's cookie. */
/**
 * Ends this session on the server and audits the sign-out. The session is a signed cookie the
 * server cannot take back, so its id is recorded and refused from now on: a copy of the
 * cookie is worth nothing after sign-out. The account's other sessions (other browsers) stay.
 */
export async function recordSignOut(
  db: Db,
  user: SignedInUser,
  sessionId: string | null,
  request: SignInRequest,
): Promise<void> {
  const actor: Actor = { type: "staff", ...user };
  const now = request.now ?? new Date();
  await db.transaction(async (tx) => {
    if (sessionId && isUuid(sessionId)) {
      await tx
        .insert(endedSessions)
        .values({ sessionId, staffId: user.id, endedAt: now })
        .onConflictDoNothing();
      // Sessions last 8 hours at most: older records refuse nothing any more.
      await tx
        .delete(endedSessions)
        .where(lt(endedSessions.endedAt, new Date(now.getTime() - SESSION_MAX_MS)));
    }
    await appendAudit(
      tx,
      {
        actor,
        via: "web",
        requestId: request.requestId ?? randomUUID(),
        ip: request.ip,
        userAgent: request.userAgent,
      },
      { action: "staff.sign_out", entityType: "staff", entityId: user.id },
    );
  });
}
