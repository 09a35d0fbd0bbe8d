import { asc, eq } from "drizzle-orm";
import type { Metadata } from "next";
import { NewPaymentForm } from "@/components/payments/new-payment-form";
import { plans } from "@/db/schema";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { findCustomer } from "@/lib/customers/resolve";

export const metadata: Metadata = { title: "New payment" };
export const dynamic = "force-dynamic";

export default async function NewPaymentPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor("payment.create");
  const params = await searchParams;
  const db = await appDb();
  const planRows = await db
    .select({
      code: plans.code,
      name: plans.name,
      priceMinor: plans.priceMinor,
      currency: plans.currency,
      periodDays: plans.periodDays,
      trialDays: plans.trialDays,
    })
    .from(plans)
    .where(eq(plans.active, true))
    .orderBy(asc(plans.priceMinor));
  const customer = typeof params.customer === "string" ? await findCustomer(db, params.customer) : null;

  return (
    <div className="mx-auto max-w-5xl space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">New payment</h1>
        <p className="text-sm text-muted-foreground">
          Record a payment made outside the providers, or start a free trial.
        </p>
      </div>
      <NewPaymentForm
        plans={planRows}
        initialCustomer={customer ? { id: customer.id, email: customer.email, name: customer.name } : null}
      />
    </div>
  );
}
