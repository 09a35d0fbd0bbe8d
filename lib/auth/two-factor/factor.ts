import { and, eq, isNull } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { staffRecoveryCodes, staffTwoFactor } from "@/db/schema";
import { hashRecoveryCode, normaliseRecoveryCode } from "./recovery-codes";
import { openTotpSecret } from "./secret-box";
import { matchingStep } from "./totp";

export type SecondFactorKind = "totp" | "recovery_code";

/**
 * Checks a code against the account's confirmed second factor and uses it up: a TOTP code
 * moves `last_used_step` forward (so it, and every earlier code, is refused from now on); a
 * recovery code is marked used. The caller holds the staff row lock, so two requests with
 * the same code cannot both pass.
 */
export async function consumeSecondFactor(
  tx: Tx,
  staffId: string,
  code: string,
  method: SecondFactorKind,
  now: Date,
): Promise<SecondFactorKind | null> {
  const [factor] = await tx
    .select()
    .from(staffTwoFactor)
    .where(eq(staffTwoFactor.staffId, staffId))
    .for("update");
  if (!factor?.enabledAt) return null;

  if (method === "recovery_code") {
    if (!normaliseRecoveryCode(code)) return null;
    const [used] = await tx
      .update(staffRecoveryCodes)
      .set({ usedAt: now })
      .where(
        and(
          eq(staffRecoveryCodes.staffId, staffId),
          eq(staffRecoveryCodes.codeHash, hashRecoveryCode(code)),
          isNull(staffRecoveryCodes.usedAt),
        ),
      )
      .returning({ id: staffRecoveryCodes.id });
    return used ? "recovery_code" : null;
  }

  const step = matchingStep(openTotpSecret(factor.secretCiphertext), code, now, factor.lastUsedStep);
  if (step === null) return null;
  await tx.update(staffTwoFactor).set({ lastUsedStep: step }).where(eq(staffTwoFactor.staffId, staffId));
  return "totp";
}
