import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { type Customer, customers } from "@/db/schema";
import { isUuid } from "../validation/common";

/** A customer by id, or by email case-insensitively. */
export async function findCustomer(db: Queryable, idOrEmail: string): Promise<Customer | null> {
  const key = idOrEmail.trim();
  if (isUuid(key)) {
    const [byId] = await db.select().from(customers).where(eq(customers.id, key.toLowerCase()));
    if (byId) return byId;
  }
  const [byEmail] = await db
    .select()
    .from(customers)
    .where(sql`lower(${customers.email}) = ${key.toLowerCase()}`);
  return byEmail ?? null;
}
