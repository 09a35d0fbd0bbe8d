import { randomUUID } from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { endedSessions, staffUsers } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import { type AuditEntryInput, appendAudit } from "../audit/append";
import type { Actor, ServiceContext } from "../context";
import { requestLogger } from "../log";
import { countSignInFailure } from "../metrics/sign-in";
import { hashPassword, verifyPassword } from "../staff/password";
import { isUuid } from "../validation/common";
import {
  ADDRESS_PREFIX,
  ADDRESS_WINDOW_SECONDS,
  charge,
  chargeEmailAttempt,
  clearEmailFailures,
  LOCKOUT_SECONDS,
  lockEmail,
  MAX_CONSECUTIVE_FAILURES,
  MAX_FAILURES_PER_ADDRESS,
  refund,
} from "./rate-limit";
import { SESSION_MAX_MS } from "./session-length";
import { secondStepAfterPassword } from "./two-factor/sign-in-step";
import { appendBudgetedAudit, WRITE_KINDS } from "./write-budget";

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
}

export type SignInFailure = "invalid" | "locked" | "rate_limited";

export type SignInResult =
  /** With `challenge`: the password passed, but no session until a second factor does. */
  | { ok: true; user: SignedInUser; challenge?: string }
  | { ok: false; code: SignInFailure; retryAfterSeconds?: number };

/**
 * What the sign-in form shows. None of them says whether the email has an account: a
 * disabled account answers `invalid` like a wrong password, whatever password was sent.
 */
export const SIGN_IN_MESSAGES: Record<SignInFailure, string> = {
  invalid: "Email or password is incorrect.",
  locked: "Too many failed attempts. Sign-in for this account is locked for 15 minutes.",
  rate_limited: "Too many failed sign-ins from your network. Try again in a few minutes.",
};

export interface SignInRequest {
  ip: string | null;
  userAgent: string | null;
  requestId?: string;
  now?: Date;
}

/** Control characters (NUL above all: PostgreSQL refuses it in text) are never part of an email. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const credentials = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .min(3)
    .max(254)
    .refine((s) => !CONTROL_CHARACTERS.test(s), "Email contains characters an email cannot have"),
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
 * Checks a staff sign-in. Every attempt is charged before it is evaluated: to the client
 * address (30 failures per 15 minutes) and to the email (5 failures in 15 minutes lock it for
 * 15 minutes), both windowed counters in the database shared by every instance, kept alike
 * for emails with and without an account. Every refusal for an email runs the same steps
 * (argon2 verification, counter, mirror on the account row, budgeted audit entry), so neither
 * the answers, their timing nor the writes tell an account apart. A refusal is also counted in
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
  const ctx: ServiceContext = {
    db,
    actor: ANONYMOUS,
    via: "web",
    requestId: request.requestId,
    ip: request.ip,
    userAgent: request.userAgent,
    now: () => now,
  };
  const address = request.ip ?? "unknown";

  // Charged first, atomically: parallel attempts cannot all pass a check made before any
  // of them was counted. A success gives its charge back.
  const spent = await charge(db, ADDRESS_PREFIX, address, ADDRESS_WINDOW_SECONDS, now);
  if (spent.points > MAX_FAILURES_PER_ADDRESS) {
    // Audited the moment the address runs out, not on every refused attempt after it.
    if (spent.points === MAX_FAILURES_PER_ADDRESS + 1) {
      await appendBudgetedAudit(
        db,
        ctx,
        WRITE_KINDS.signInFailed,
        [
          {
            action: "auth.rate_limited",
            entityType: "client_address",
            entityId: address,
            after: { failures: MAX_FAILURES_PER_ADDRESS, windowSeconds: ADDRESS_WINDOW_SECONDS },
          },
        ],
        now,
      );
    }
    const retryAfterSeconds = Math.max(Math.ceil((spent.expiresAt.getTime() - now.getTime()) / 1000), 1);
    return { ok: false, code: "rate_limited", retryAfterSeconds };
  }

  // Malformed input (a NUL byte, no password) is refused before any query, counted against
  // the address like any failure.
  const parsed = credentials.safeParse(raw);
  if (!parsed.success) return { ok: false, code: "invalid" };
  const { email, password } = parsed.data;

  const attempt = await chargeEmailAttempt(db, email, now, spent.key);
  const [user] = await db.select().from(staffUsers).where(sql`lower(${staffUsers.email}) = ${email}`);
  // Always one argon2 verification, locked and disabled accounts included.
  const matches = await verifyPassword(user?.passwordHash ?? (await decoy()), password);
  // Whether the email is locked comes from its counter alone, the same for every email. A
  // lock on the account row that the counter does not hold (wrong second-factor codes) is
  // told only to whoever knows the password: to anyone else the answers stay alike.
  const lockedBefore = attempt.lockedBefore;
  const rightPassword = user != null && matches && !user.disabled;
  const rowLocked = user?.lockedUntil != null && user.lockedUntil > now;

  if (user && rightPassword && !lockedBefore && !rowLocked) {
    await clearEmailFailures(db, email);
    await refund(db, spent, now);
    const actor: Actor = { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
    const signedIn = { id: user.id, email: user.email, name: user.name, role: user.role };
    const challenge = await db.transaction(async (tx) => {
      // An account with a second factor gets a challenge, not a sign-in: its entry
      // (`staff.sign_in_challenge`) replaces `staff.sign_in`, which only a valid code writes.
      const opened = await secondStepAfterPassword(tx, signedIn, request);
      if (opened) {
        await tx.update(staffUsers).set({ failedLoginCount: 0 }).where(eq(staffUsers.id, user.id));
        return opened;
      }
      await tx
        .update(staffUsers)
        .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: now })
        .where(eq(staffUsers.id, user.id));
      await appendAudit(
        tx,
        { ...ctx, actor },
        {
          action: "staff.sign_in",
          entityType: "staff",
          entityId: user.id,
          before: { lastLoginAt: user.lastLoginAt?.toISOString() ?? null },
          after: { lastLoginAt: now.toISOString() },
        },
      );
      return null;
    });
    return challenge ? { ok: true, user: signedIn, challenge } : { ok: true, user: signedIn };
  }

  // The fifth failure in the window locks the email, account or not.
  const lockedNow = !lockedBefore && attempt.points >= MAX_CONSECUTIVE_FAILURES;
  const lockedUntil = lockedNow ? await lockEmail(db, attempt, now) : null;
  const failures = lockedBefore || lockedNow ? 0 : attempt.points;
  // The account row mirrors the counter (what /staff shows). The same statement runs for an
  // email without an account: it updates nothing, but costs the same.
  await db
    .update(staffUsers)
    .set({ failedLoginCount: failures, lockedUntil: lockedUntil ?? sql`${staffUsers.lockedUntil}` })
    .where(sql`lower(${staffUsers.email}) = ${email}`);

  const refusedLocked = lockedBefore || lockedNow || (rightPassword && rowLocked);
  const outcome =
    lockedBefore || (rightPassword && rowLocked)
      ? "locked"
      : user?.disabled && matches
        ? "disabled"
        : "invalid";
  const subject = user
    ? { entityType: "staff", entityId: user.id }
    : { entityType: "sign_in", entityId: email };
  const entries: AuditEntryInput[] = [
    {
      action: "staff.sign_in_failed",
      ...subject,
      after: user ? { email: user.email, outcome, failedLoginCount: attempt.points } : { email, outcome },
    },
  ];
  if (lockedUntil) {
    entries.push({
      action: "staff.lock_out",
      ...subject,
      after: { email, lockedUntil: lockedUntil.toISOString(), lockedForSeconds: LOCKOUT_SECONDS },
    });
  }
  await appendBudgetedAudit(db, ctx, WRITE_KINDS.signInFailed, entries, now);
  return { ok: false, code: refusedLocked ? "locked" : "invalid" };
}

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
