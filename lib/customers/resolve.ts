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
  return findCustomerByEmail(db, key);
}

/** A customer by email, case-insensitively (emails are unique that way). */
export async function findCustomerByEmail(db: Queryable, email: string): Promise<Customer | null> {
  const [byEmail] = await db
    .select()
    .from(customers)
    .where(sql`lower(${customers.email}) = ${email.toLowerCase()}`);
  return byEmail ?? null;
}

/** A customer by the product's own id for it (the external reference), matched exactly. */
export async function findCustomerByExternalRef(db: Queryable, ref: string): Promise<Customer | null> {
  const [byRef] = await db.select().from(customers).where(eq(customers.externalRef, ref));
  return byRef ?? null;
}
