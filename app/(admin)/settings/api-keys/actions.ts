"use server";

import { revalidatePath } from "next/cache";
import { createApiKey } from "@/lib/api-keys/create";
import { revokeApiKey } from "@/lib/api-keys/revoke";
import { createApiKeyInput, revokeApiKeyInput } from "@/lib/api-keys/schema";
import { defineAction } from "@/lib/auth/action";

export const createApiKeyAction = defineAction({
  permission: "api_key.manage",
  input: createApiKeyInput,
  async run(ctx, _input, raw) {
    const created = await createApiKey(ctx, raw);
    revalidatePath("/settings/api-keys");
    // The key goes to this one response and nowhere else: the page shows it once.
    return { id: created.id, key: created.key, name: created.name, prefix: created.prefix };
  },
});

export const revokeApiKeyAction = defineAction({
  permission: "api_key.manage",
  input: revokeApiKeyInput,
  async run(ctx, _input, raw) {
    const result = await revokeApiKey(ctx, raw);
    revalidatePath("/settings/api-keys");
    return { id: result.id, name: result.name, changed: result.changed };
  },
});
