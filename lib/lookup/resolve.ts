import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { customers, payments } from "@/db/schema";
import { type PaymentStatus, paymentProviders } from "@/db/schema/enums";
import { actorCan, assertCan, type ServiceContext } from "../context";
import { type CustomerMatch, searchCustomers } from "../customers/search";
import { isUuid } from "../validation/common";
import { lookupInput } from "../validation/lookup";
import { parseInput } from "../validation/parse";

/**
 * The command palette's "go to": what a pasted or typed text names. An exact payment id (or
 * a provider's payment id, e.g. Stripe's `pi_…`) opens that payment, a customer id or exact
 * email opens that customer, a link to either opens it too; anything else lists the
 * customers whose email or name contains it, to pick from.
 */
export type LookupResult =
  | {
      kind: "payment";
      href: string;
      payment: {
        id: string;
        amountMinor: bigint;
        currency: string;
        status: PaymentStatus;
        customerEmail: string;
        customerName: string;
      };
    }
  | { kind: "customer"; href: string; customer: CustomerMatch }
  | { kind: "matches"; customers: CustomerMatch[] };

/** How many customers a fragment lists. */
export const LOOKUP_MATCH_LIMIT = 8;

const UUID_IN_LINK =
  /\/(?:payments|customers)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?#]|$)/i;

/** A pasted link to a payment or customer page stands for its id. */
function keyOf(text: string): string {
  const inLink = /^https?:\/\//i.test(text) ? UUID_IN_LINK.exec(text) : null;
  return inLink?.[1] ?? text;
}

export async function resolveLookup(ctx: ServiceContext, raw: { q: string }): Promise<LookupResult> {
  assertCan(ctx, "customer.view");
  const { q } = parseInput(lookupInput, raw);
  const term = keyOf(q.trim());
  const none: LookupResult = { kind: "matches", customers: [] };
  if (term.length < 2) return none;
  const seesPayments = actorCan(ctx.actor, "payment.view");

  if (isUuid(term)) {
    const id = term.toLowerCase();
    if (seesPayments) {
      const payment = await paymentWhere(ctx, eq(payments.id, id));
      if (payment) return payment;
    }
    const [customer] = await ctx.db
      .select({ id: customers.id, email: customers.email, name: customers.name })
      .from(customers)
      .where(eq(customers.id, id));
    return customer ? customerResult(customer) : none;
  }

  if (seesPayments && /^[\x21-\x7e]{3,255}$/.test(term)) {
    // Every provider listed so the (provider, provider_payment_id) index is probed per provider.
    const payment = await paymentWhere(
      ctx,
      and(inArray(payments.provider, [...paymentProviders]), eq(payments.providerPaymentId, term)),
    );
    if (payment) return payment;
  }

  if (term.includes("@")) {
    const [customer] = await ctx.db
      .select({ id: customers.id, email: customers.email, name: customers.name })
      .from(customers)
      .where(sql`lower(${customers.email}) = lower(${term})`);
    if (customer) return customerResult(customer);
  }

  return { kind: "matches", customers: await searchCustomers(ctx.db, term, LOOKUP_MATCH_LIMIT) };
}

function customerResult(customer: CustomerMatch): LookupResult {
  return { kind: "customer", href: `/customers/${customer.id}`, customer };
}

async function paymentWhere(ctx: ServiceContext, where: SQL | undefined): Promise<LookupResult | null> {
  const [payment] = await ctx.db
    .select({
      id: payments.id,
      amountMinor: payments.amountMinor,
      currency: payments.currency,
      status: payments.status,
      customerEmail: customers.email,
      customerName: customers.name,
    })
    .from(payments)
    .innerJoin(customers, eq(customers.id, payments.customerId))
    .where(where)
    .limit(1);
  return payment ? { kind: "payment", href: `/payments/${payment.id}`, payment } : null;
}
