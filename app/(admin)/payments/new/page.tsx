import type { Metadata } from "next";
import { NewPaymentForm } from "@/components/payments/new-payment-form";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { findCustomer } from "@/lib/customers/resolve";
import { listActivePlans } from "@/lib/plans/queries";

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
  const planRows = await listActivePlans(db);
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
