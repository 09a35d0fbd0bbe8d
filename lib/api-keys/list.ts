import { desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Queryable } from "@/db/client";
import { apiKeys, staffUsers } from "@/db/schema";

/** A key as the settings page and `api-keys list` show it: never its hash. */
export interface ApiKeyListItem {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  /** Email of the admin who created it; null for keys made by a system actor. */
  createdBy: string | null;
  lastUsedAt: Date | null;
  useCount: number;
  revokedAt: Date | null;
  revokedBy: string | null;
}

const creator = alias(staffUsers, "creator");
const revoker = alias(staffUsers, "revoker");

/** Every key, newest first (the `api_keys_created_at_idx` order). Revoked keys stay listed. */
export async function listApiKeys(db: Queryable): Promise<ApiKeyListItem[]> {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      createdBy: creator.email,
      lastUsedAt: apiKeys.lastUsedAt,
      useCount: apiKeys.useCount,
      revokedAt: apiKeys.revokedAt,
      revokedBy: revoker.email,
    })
    .from(apiKeys)
    .leftJoin(creator, eq(creator.id, apiKeys.createdByStaffId))
    .leftJoin(revoker, eq(revoker.id, apiKeys.revokedByStaffId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}
