import { eq } from "drizzle-orm";
import { apiKeys } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import { type RevokeApiKeyInput, revokeApiKeyInput } from "./schema";

export interface RevokeApiKeyResult {
  id: string;
  name: string;
  prefix: string;
  revokedAt: Date;
  /** False when the key was already revoked: nothing was written. */
  changed: boolean;
}

/** Revokes a key for good: the next request with it is refused (there is no un-revoke). */
export async function revokeApiKey(ctx: ServiceContext, raw: RevokeApiKeyInput): Promise<RevokeApiKeyResult> {
  assertCan(ctx, "api_key.manage");
  const input = parseInput(revokeApiKeyInput, raw);
  const id = input.apiKeyId.toLowerCase();
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    // Locked so two admins revoking at once write one revocation and one audit entry.
    const [before] = await tx
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        prefix: apiKeys.prefix,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.id, id))
      .for("update");
    if (!before) throw ServiceError.notFound(`No API key with id ${id}`);
    if (before.revokedAt) {
      return { id, name: before.name, prefix: before.prefix, revokedAt: before.revokedAt, changed: false };
    }
    await tx
      .update(apiKeys)
      .set({ revokedAt: now, revokedByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null })
      .where(eq(apiKeys.id, id));
    await step(ctx, "api_key.written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "api_key.revoke",
        entityType: "api_key",
        entityId: id,
        before: { name: before.name, prefix: before.prefix, revokedAt: null },
        after: { name: before.name, prefix: before.prefix, revokedAt: now },
      },
      { entityLocked: true },
    );
    await step(ctx, "api_key.done");
    return { id, name: before.name, prefix: before.prefix, revokedAt: now, changed: true };
  });
}
