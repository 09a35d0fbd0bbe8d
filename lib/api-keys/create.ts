import { apiKeys } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { parseInput } from "../validation/parse";
import { type CreateApiKeyInput, createApiKeyInput } from "./schema";
import { generateApiKey } from "./secret";

export interface CreatedApiKey {
  id: string;
  /** The only time the key exists outside the caller's hands: show it once, store it nowhere. */
  key: string;
  name: string;
  prefix: string;
  createdAt: Date;
}

export async function createApiKey(ctx: ServiceContext, raw: CreateApiKeyInput): Promise<CreatedApiKey> {
  assertCan(ctx, "api_key.manage");
  const input = parseInput(createApiKeyInput, raw);
  const { key, prefix, keyHash } = generateApiKey();
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        name: input.name,
        prefix,
        keyHash,
        createdByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null,
        createdAt: now,
      })
      .returning({ id: apiKeys.id, createdAt: apiKeys.createdAt });
    if (!row) throw new Error("api key insert returned nothing");
    await step(ctx, "api_key.written");
    // The prefix identifies the key; the key and its hash stay out of the audit log.
    await appendAudit(
      tx,
      ctx,
      {
        action: "api_key.create",
        entityType: "api_key",
        entityId: row.id,
        before: null,
        after: { name: input.name, prefix },
      },
      { entityLocked: true },
    );
    await step(ctx, "api_key.done");
    return { id: row.id, key, name: input.name, prefix, createdAt: row.createdAt };
  });
}
