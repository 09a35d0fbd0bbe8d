import { sql } from "drizzle-orm";
import { type Customer, customers } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { emitEvent } from "../events/emit";
import { type CreateCustomerInput, createCustomerInput } from "../validation/customer";
import { parseInput } from "../validation/parse";

export const CUSTOMER_EXISTS = "A customer with this email already exists";

export async function createCustomer(ctx: ServiceContext, raw: CreateCustomerInput): Promise<Customer> {
  assertCan(ctx, "customer.create");
  const input = parseInput(createCustomerInput, raw);
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: customers.id })
        .from(customers)
        .where(sql`lower(${customers.email}) = ${input.email}`);
      if (existing) throw ServiceError.field("email", CUSTOMER_EXISTS);
      const [customer] = await tx
        .insert(customers)
        .values({
          email: input.email,
          name: input.name,
          externalRef: input.externalRef || null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!customer) throw new Error("customer insert returned nothing");
      await step(ctx, "customer.written");
      await appendAudit(
        tx,
        ctx,
        {
          action: "customer.create",
          entityType: "customer",
          entityId: customer.id,
          before: null,
          after: { email: customer.email, name: customer.name, externalRef: customer.externalRef },
        },
        { entityLocked: true },
      );
      await emitEvent(tx, {
        type: "customer.created",
        aggregateType: "customer",
        aggregateId: customer.id,
        payload: { email: customer.email, name: customer.name },
        at: now,
      });
      await step(ctx, "customer.done");
      return customer;
    });
  } catch (err) {
    if (isUniqueViolation(err, "customers_email_lower_key"))
      throw ServiceError.field("email", CUSTOMER_EXISTS);
    if (isUniqueViolation(err, "customers_external_ref_key")) {
      throw ServiceError.field("externalRef", "Another customer has this external reference");
    }
    throw err;
  }
}
