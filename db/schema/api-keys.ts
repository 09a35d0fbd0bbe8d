import { sql } from "drizzle-orm";
import { bigint, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { staffUsers } from "./staff";

/**
 * Keys the product uses for `/api/v1`. Only a hash of the key is stored (the key is shown once);
 * `prefix` is its first characters, so people can tell keys apart.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdByStaffId: uuid("created_by_staff_id").references(() => staffUsers.id),
    createdAt: ts("created_at").notNull().defaultNow(),
    lastUsedAt: ts("last_used_at"),
    useCount: bigint("use_count", { mode: "number" }).notNull().default(0),
    revokedAt: ts("revoked_at"),
    revokedByStaffId: uuid("revoked_by_staff_id").references(() => staffUsers.id),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_key").on(t.keyHash),
    index("api_keys_created_at_idx").on(t.createdAt.desc(), t.id.desc()),
    index("api_keys_active_idx").on(t.id).where(sql`${t.revokedAt} is null`),
  ],
);

export type ApiKey = typeof apiKeys.$inferSelect;
