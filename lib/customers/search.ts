import { asc, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { customers } from "@/db/schema";
import { isUuid } from "../validation/common";

export interface CustomerMatch {
  id: string;
  email: string;
  name: string;
}

const MAX_LIMIT = 50;

/** `q` as a LIKE pattern that matches it literally (backslash is the escape character). */
export function likeLiteral(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The customer picker's search: a customer id finds that customer first; otherwise (and
 * after it) a case-insensitive substring of email or name, served by the trigram indexes
 * on lower(email) and lower(name). Exact email first, then prefix matches, then by email.
 * Queries shorter than 2 characters return nothing.
 */
export async function searchCustomers(db: Queryable, q: string, limit = 10): Promise<CustomerMatch[]> {
  const term = q.trim();
  if (term.length < 2) return [];
  const max = Number.isInteger(limit) ? Math.min(Math.max(limit, 1), MAX_LIMIT) : 10;
  const columns = { id: customers.id, email: customers.email, name: customers.name };

  const found: CustomerMatch[] = [];
  if (isUuid(term)) {
    const [byId] = await db.select(columns).from(customers).where(eq(customers.id, term.toLowerCase()));
    if (byId) found.push(byId);
  }

  // Lowercased by the database on both sides, so the pattern folds case exactly as the
  // indexed expressions do (whatever the database's locale makes of non-ASCII letters).
  const escaped = likeLiteral(term);
  const contains = `%${escaped}%`;
  const prefix = `${escaped}%`;
  const email = sql`lower(${customers.email})`;
  const name = sql`lower(${customers.name})`;
  const rows = await db
    .select(columns)
    .from(customers)
    .where(sql`(${email} like lower(${contains}) escape '\\' or ${name} like lower(${contains}) escape '\\')`)
    .orderBy(
      sql`case when ${email} = lower(${term}) then 0
               when ${email} like lower(${prefix}) escape '\\' or ${name} like lower(${prefix}) escape '\\' then 1
               else 2 end`,
      // Byte order: the same on every database, whatever its locale.
      sql`${email} collate "C"`,
      asc(customers.id),
    )
    .limit(max);
  for (const row of rows) if (row.id !== found[0]?.id) found.push(row);
  return found.slice(0, max);
}
