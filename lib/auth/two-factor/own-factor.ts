import { eq } from "drizzle-orm";
import QRCode from "qrcode";
import type { Tx } from "@/db/client";
import { staffRecoveryCodes, staffTwoFactor, staffUsers } from "@/db/schema";
import { appendAudit } from "../../audit/append";
import { assertCan, nowOf, type ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { verifyPassword } from "../../staff/password";
import { parseInput } from "../../validation/parse";
import type { StaffActor } from "../session";
import { consumeSecondFactor } from "./factor";
import { generateRecoveryCodes, hashRecoveryCode } from "./recovery-codes";
import {
  type ConfirmEnrolmentInput,
  confirmEnrolmentInput,
  type DisableTwoFactorInput,
  disableTwoFactorInput,
  type RegenerateRecoveryCodesInput,
  regenerateRecoveryCodesInput,
} from "./schemas";
import { openTotpSecret, sealTotpSecret } from "./secret-box";
import { matchingStep, newTotpSecret, otpauthUri } from "./totp";

const WRONG_CODE = "That code is not valid. Check the time on your phone and try the newest code.";

function ownActor(ctx: ServiceContext): StaffActor {
  assertCan(ctx, "account.manage_own_two_factor");
  if (ctx.actor.type !== "staff")
    throw new ServiceError("forbidden", "Only a staff account has a second factor");
  return ctx.actor;
}

async function lockSelf(tx: Tx, staffId: string) {
  const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, staffId)).for("update");
  if (!user) throw ServiceError.notFound("Your account no longer exists");
  return user;
}

async function replaceRecoveryCodes(tx: Tx, staffId: string, now: Date): Promise<string[]> {
  const codes = generateRecoveryCodes();
  await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId));
  await tx
    .insert(staffRecoveryCodes)
    .values(codes.map((code) => ({ staffId, codeHash: hashRecoveryCode(code), createdAt: now })));
  return codes;
}

export interface EnrolmentStart {
  /** Base32, for typing into an app by hand. */
  secret: string;
  uri: string;
  qrDataUrl: string;
}

/**
 * Starts (or restarts) enrolment: a new secret waits, unconfirmed, until a first valid code
 * proves the app holds it. Refused while a confirmed factor exists (turn it off first).
 */
export async function startEnrolment(ctx: ServiceContext): Promise<EnrolmentStart> {
  const actor = ownActor(ctx);
  const secret = newTotpSecret();
  const uri = otpauthUri(actor.email, secret);
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    await lockSelf(tx, actor.id);
    const [existing] = await tx.select().from(staffTwoFactor).where(eq(staffTwoFactor.staffId, actor.id));
    if (existing?.enabledAt) {
      throw new ServiceError(
        "conflict",
        "Two-factor sign-in is already on. Turn it off first to move it to a new device.",
      );
    }
    const sealed = sealTotpSecret(secret);
    await tx
      .insert(staffTwoFactor)
      .values({ staffId: actor.id, secretCiphertext: sealed, createdAt: now })
      .onConflictDoUpdate({
        target: staffTwoFactor.staffId,
        set: { secretCiphertext: sealed, enabledAt: null, lastUsedStep: null, createdAt: now },
      });
    await appendAudit(
      tx,
      ctx,
      { action: "staff.two_factor_enrol_start", entityType: "staff", entityId: actor.id },
      { entityLocked: true },
    );
  });
  return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}

/** Confirms enrolment with a first valid code; returns the recovery codes, shown only now. */
export async function confirmEnrolment(
  ctx: ServiceContext,
  raw: ConfirmEnrolmentInput,
): Promise<{ recoveryCodes: string[] }> {
  const actor = ownActor(ctx);
  const input = parseInput(confirmEnrolmentInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    await lockSelf(tx, actor.id);
    const [pending] = await tx.select().from(staffTwoFactor).where(eq(staffTwoFactor.staffId, actor.id));
    if (!pending)
      throw new ServiceError("conflict", "Start enrolment first: scan the QR code, then enter a code.");
    if (pending.enabledAt) throw new ServiceError("conflict", "Two-factor sign-in is already on.");
    const step = matchingStep(openTotpSecret(pending.secretCiphertext), input.code, now, null);
    if (step === null) throw ServiceError.field("code", WRONG_CODE);
    await tx
      .update(staffTwoFactor)
      .set({ enabledAt: now, lastUsedStep: step })
      .where(eq(staffTwoFactor.staffId, actor.id));
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.id, now);
    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.two_factor_enrol",
        entityType: "staff",
        entityId: actor.id,
        before: { enrolled: false },
        after: { enrolled: true, method: "totp", recoveryCodes: recoveryCodes.length },
      },
      { entityLocked: true },
    );
    return { recoveryCodes };
  });
}

/** New recovery codes (the old ones stop working); needs a current authenticator code. */
export async function regenerateRecoveryCodes(
  ctx: ServiceContext,
  raw: RegenerateRecoveryCodesInput,
): Promise<{ recoveryCodes: string[] }> {
  const actor = ownActor(ctx);
  const input = parseInput(regenerateRecoveryCodesInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    await lockSelf(tx, actor.id);
    const used = await consumeSecondFactor(tx, actor.id, input.code, "totp", now);
    if (!used) throw ServiceError.field("code", WRONG_CODE);
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.id, now);
    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.two_factor_recovery_codes",
        entityType: "staff",
        entityId: actor.id,
        after: { recoveryCodes: recoveryCodes.length },
      },
      { entityLocked: true },
    );
    return { recoveryCodes };
  });
}

/**
 * Turns one's own second factor off, proven by a current code (or recovery code) or the
 * password. A role that requires it sends the account straight back to enrolment.
 */
export async function disableOwnTwoFactor(
  ctx: ServiceContext,
  raw: DisableTwoFactorInput,
): Promise<{ disabled: true }> {
  const actor = ownActor(ctx);
  const input = parseInput(disableTwoFactorInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const user = await lockSelf(tx, actor.id);
    const [factor] = await tx.select().from(staffTwoFactor).where(eq(staffTwoFactor.staffId, actor.id));
    if (!factor?.enabledAt) throw new ServiceError("conflict", "Two-factor sign-in is not on.");
    let proof: string | null = null;
    if (input.code) {
      proof =
        (await consumeSecondFactor(tx, actor.id, input.code, "totp", now)) ??
        (await consumeSecondFactor(tx, actor.id, input.code, "recovery_code", now));
      if (!proof) throw ServiceError.field("code", WRONG_CODE);
    } else if (input.password) {
      if (!(await verifyPassword(user.passwordHash, input.password))) {
        throw ServiceError.field("password", "The password is not correct.");
      }
      proof = "password";
    }
    await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, actor.id));
    await tx.delete(staffTwoFactor).where(eq(staffTwoFactor.staffId, actor.id));
    await appendAudit(
      tx,
      ctx,
      {
        action: "staff.two_factor_disable",
        entityType: "staff",
        entityId: actor.id,
        before: { enrolled: true },
        after: { enrolled: false, provedBy: proof },
      },
      { entityLocked: true },
    );
    return { disabled: true as const };
  });
}
