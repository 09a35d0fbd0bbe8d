import { randomUUID } from "node:crypto";
import { and, eq, gt, isNull, lt, sum } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { signInChallenges, staffUsers } from "@/db/schema";
import { appendAudit } from "../../audit/append";
import type { Actor, ServiceContext } from "../../context";
import { LOCKOUT_SECONDS, MAX_CONSECUTIVE_FAILURES } from "../rate-limit";
import type { SignedInUser, SignInRequest } from "../sign-in";
import { consumeSecondFactor, type SecondFactorKind } from "./factor";
import { secondFactorInput } from "./schemas";

export const CHALLENGE_SECONDS = 5 * 60;
/** Wrong codes one challenge survives; the account's lock-out usually comes first. */
export const MAX_CHALLENGE_FAILURES = 5;

export type SecondFactorFailure = "invalid_code" | "expired" | "locked" | "disabled";

export type SecondFactorResult =
  | { ok: true; user: SignedInUser; secondFactor: SecondFactorKind }
  | { ok: false; code: SecondFactorFailure };

/** What the second step of the sign-in form shows. */
export const SECOND_FACTOR_MESSAGES: Record<SecondFactorFailure, string> = {
  invalid_code: "That code is not valid. Try the newest code from your authenticator app.",
  expired: "This sign-in has expired. Enter your email and password again.",
  locked: "Too many failed attempts. Sign-in for this account is locked for 15 minutes.",
  disabled: "This account is disabled. Ask an administrator to enable it.",
};

const ANONYMOUS: Actor = { type: "system", id: "system:sign-in" };

/**
 * The password passed and the account has a second factor: instead of a session, a
 * challenge that only a valid code turns into one. Its id is random and short-lived.
 */
export async function openSignInChallenge(
  tx: Tx,
  user: SignedInUser,
  request: SignInRequest,
): Promise<string> {
  const id = randomUUID();
  const now = request.now ?? new Date();
  const expiresAt = new Date(now.getTime() + CHALLENGE_SECONDS * 1000);
  // Old challenges only matter while their wrong codes still count towards a lock-out.
  await tx
    .delete(signInChallenges)
    .where(lt(signInChallenges.expiresAt, new Date(now.getTime() - 2 * LOCKOUT_SECONDS * 1000)));
  await tx.insert(signInChallenges).values({ id, staffId: user.id, createdAt: now, expiresAt });
  // Instead of the password step's `staff.sign_in`: the password passed, no session
  // followed yet, the sign-in waits for a second factor.
  await appendAudit(
    tx,
    {
      actor: { type: "staff", ...user },
      via: "web",
      requestId: request.requestId ?? randomUUID(),
      ip: request.ip,
      userAgent: request.userAgent,
      now: () => now,
    },
    {
      action: "staff.sign_in_challenge",
      entityType: "staff",
      entityId: user.id,
      after: { secondFactorRequired: true, expiresAt: expiresAt.toISOString() },
    },
  );
  return id;
}

/**
 * The second sign-in step. A wrong code counts on the challenge and on the account's
 * lock-out counter; the lock-out also counts wrong codes of the account's other recent
 * challenges, since a passed password resets the counter and would otherwise buy a fresh
 * set of guesses each time.
 */
export async function completeSignInChallenge(
  db: Db,
  raw: { challenge?: unknown; code?: unknown; method?: unknown },
  request: SignInRequest,
): Promise<SecondFactorResult> {
  const parsed = secondFactorInput.safeParse(raw);
  if (!parsed.success) {
    // Nothing to count: a malformed challenge id names no account.
    const challengeOk =
      typeof raw.challenge === "string" && secondFactorInput.shape.challenge.safeParse(raw.challenge).success;
    return { ok: false, code: challengeOk ? "invalid_code" : "expired" };
  }
  const { challenge: challengeId, code, method } = parsed.data;
  const now = request.now ?? new Date();
  const base = {
    db,
    via: "web" as const,
    requestId: request.requestId ?? randomUUID(),
    ip: request.ip,
    userAgent: request.userAgent,
    now: () => now,
  };

  const [found] = await db
    .select({ staffId: signInChallenges.staffId })
    .from(signInChallenges)
    .where(eq(signInChallenges.id, challengeId));
  if (!found) return { ok: false, code: "expired" };

  return db.transaction(async (tx): Promise<SecondFactorResult> => {
    // Staff row first, as the password step does: attempts on one account run one at a time.
    const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, found.staffId)).for("update");
    const [challenge] = await tx
      .select()
      .from(signInChallenges)
      .where(eq(signInChallenges.id, challengeId))
      .for("update");
    if (!user || !challenge) return { ok: false, code: "expired" };
    if (
      challenge.usedAt ||
      challenge.expiresAt <= now ||
      challenge.failedAttempts >= MAX_CHALLENGE_FAILURES
    ) {
      return { ok: false, code: "expired" };
    }
    const anonymous: ServiceContext = { ...base, actor: ANONYMOUS };
    if (user.disabled) return { ok: false, code: "disabled" };
    if (user.lockedUntil && user.lockedUntil > now) {
      await appendAudit(
        tx,
        anonymous,
        {
          action: "staff.sign_in_failed",
          entityType: "staff",
          entityId: user.id,
          after: { email: user.email, outcome: "locked", step: "second_factor" },
        },
        { entityLocked: true },
      );
      return { ok: false, code: "locked" };
    }

    const used = await consumeSecondFactor(tx, user.id, code, method, now);
    if (!used) {
      const attempts = challenge.failedAttempts + 1;
      await tx
        .update(signInChallenges)
        .set({ failedAttempts: attempts })
        .where(eq(signInChallenges.id, challenge.id));
      const [recent] = await tx
        .select({ n: sum(signInChallenges.failedAttempts) })
        .from(signInChallenges)
        .where(
          and(
            eq(signInChallenges.staffId, user.id),
            isNull(signInChallenges.usedAt),
            gt(signInChallenges.createdAt, new Date(now.getTime() - LOCKOUT_SECONDS * 1000)),
          ),
        );
      const failures = Math.max(user.failedLoginCount + 1, Number(recent?.n ?? 0));
      const lock = failures >= MAX_CONSECUTIVE_FAILURES;
      const lockedUntil = lock ? new Date(now.getTime() + LOCKOUT_SECONDS * 1000) : null;
      await tx
        .update(staffUsers)
        .set({ failedLoginCount: lock ? 0 : failures, lockedUntil })
        .where(eq(staffUsers.id, user.id));
      if (lock) {
        // A locked account's open challenges die with the lock: after it, start from the password.
        await tx
          .update(signInChallenges)
          .set({ expiresAt: now })
          .where(
            and(
              eq(signInChallenges.staffId, user.id),
              isNull(signInChallenges.usedAt),
              gt(signInChallenges.expiresAt, now),
            ),
          );
      }
      await appendAudit(
        tx,
        anonymous,
        {
          action: "staff.sign_in_failed",
          entityType: "staff",
          entityId: user.id,
          before: { failedLoginCount: user.failedLoginCount },
          after: { email: user.email, outcome: "invalid_code", method, failedLoginCount: failures },
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
        return { ok: false, code: "locked" };
      }
      return { ok: false, code: attempts >= MAX_CHALLENGE_FAILURES ? "expired" : "invalid_code" };
    }

    await tx.update(signInChallenges).set({ usedAt: now }).where(eq(signInChallenges.id, challenge.id));
    await tx
      .update(staffUsers)
      .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: now })
      .where(eq(staffUsers.id, user.id));
    const actor: Actor = { type: "staff", id: user.id, email: user.email, name: user.name, role: user.role };
    await appendAudit(
      tx,
      { ...base, actor },
      {
        action: "staff.sign_in",
        entityType: "staff",
        entityId: user.id,
        before: { lastLoginAt: user.lastLoginAt?.toISOString() ?? null },
        after: { lastLoginAt: now.toISOString(), secondFactor: used },
      },
      { entityLocked: true },
    );
    return {
      ok: true,
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      secondFactor: used,
    };
  });
}
