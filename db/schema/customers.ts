import { sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";

export const customers = pgTable(
  "customers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    externalRef: text("external_ref"),
    /** Set when the customer's personal data was erased (user.deleted); email/name/ref are tombstones. */
    erasedAt: ts("erased_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("customers_email_lower_key").on(sql`lower(${t.email})`),
    uniqueIndex("customers_external_ref_key").on(t.externalRef).where(sql`${t.externalRef} is not null`),
    index("customers_name_lower_idx").on(sql`lower(${t.name})`),
    // Substring search ("%anna%") by email or name, for the customer picker and filters.
    index("customers_email_trgm_idx").using("gin", sql`lower(${t.email}) gin_trgm_ops`),
    index("customers_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
    index("customers_created_at_idx").on(t.createdAt.desc(), t.id.desc()),
    check("customers_email_shape", sql`${t.email} ~ '^[^@\\s]+@[^@\\s]+$'`),
  ],
);

export type Customer = typeof customers.$inferSelect;
