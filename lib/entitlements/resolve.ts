import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { type Customer, customers } from "@/db/schema";
import { findCustomerByEmail, findCustomerByExternalRef } from "../customers/resolve";
import { isUuid } from "../validation/common";

/** The longest a reference can be: an email (254); external references are at most 200. */
export const CUSTOMER_REF_MAX = 254;

/**
 * How the product names a customer: Paydesk's id, the email, or the product's own id for
 * the customer (the external reference). Control characters and broken UTF-16 can name no
 * stored customer and could not be sent to the database as text, so they are refused.
 */
export const customerRef = z
  .string()
  .min(1, "The customer reference is empty")
  .max(CUSTOMER_REF_MAX, `The customer reference is longer than ${CUSTOMER_REF_MAX} characters`)
  .refine((s) => !/\p{Cc}/u.test(s) && s.isWellFormed(), "The customer reference contains control characters")
  .describe("The customer's id (uuid), email (case-insensitive) or external reference");

/**
 * The customer a reference names. A uuid is tried as an id first; an email case-insensitively;
 * either falls back to the external reference, which is matched exactly (a product may use
 * uuids or email-like strings as its own ids). Null when nothing matches.
 */
export async function resolveCustomerRef(db: Queryable, ref: string): Promise<Customer | null> {
  if (isUuid(ref)) {
    const [byId] = await db.select().from(customers).where(eq(customers.id, ref.toLowerCase()));
    if (byId) return byId;
  } else if (ref.includes("@")) {
    const byEmail = await findCustomerByEmail(db, ref);
    if (byEmail) return byEmail;
  }
  return findCustomerByExternalRef(db, ref);
}
