import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type Customer, customers } from "@/db/schema";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A customer by id, or by email case-insensitively. */
export async function findCustomer(db: Queryable, idOrEmail: string): Promise<Customer | null> {
  const key = idOrEmail.trim();
  if (UUID.test(key)) {
    const [byId] = await db.select().from(customers).where(eq(customers.id, key.toLowerCase()));
    if (byId) return byId;
  }
  const [byEmail] = await db
    .select()
    .from(customers)
    .where(sql`lower(${customers.email}) = ${key.toLowerCase()}`);
  return byEmail ?? null;
}
