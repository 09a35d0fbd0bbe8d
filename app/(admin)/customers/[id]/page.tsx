import { ChevronLeft, Plus } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CustomerDetails, CustomerSubscriptions } from "@/components/customers/customer-profile";
import { PaymentsTable } from "@/components/payments/payments-table";
import { Button } from "@/components/ui/button";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { getCustomerProfile } from "@/lib/customers/profile";
import { withEntitlements } from "@/lib/entitlements/compute";
import { countPaymentsCapped, listPaymentsPage } from "@/lib/payments/list";
import { hiddenColumns } from "@/lib/validation/hidden-columns";
import { PAYMENT_LIST_DEFAULT_HIDDEN, parsePaymentListQuery } from "@/lib/validation/payment-list";

export const metadata: Metadata = { title: "Customer" };
export const dynamic = "force-dynamic";

export default async function CustomerPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePageActor("customer.view");
  const [{ id }, search] = await Promise.all([params, searchParams]);
  const db = await appDb();
  const now = new Date();
  const profile = await getCustomerProfile(db, id, now);
  if (!profile) notFound();
  const { customer } = profile;

  // The payments table's own URL state (filters, paging, columns), always this customer's.
  const query = { ...parsePaymentListQuery(search), customer: customer.id, q: null };
  const [page, total] = await Promise.all([listPaymentsPage(db, query), countPaymentsCapped(db, query)]);
  const hidden = hiddenColumns(search, PAYMENT_LIST_DEFAULT_HIDDEN);

  return (
    <div className="space-y-5">
      <div>
        <Link
          href="/customers"
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ChevronLeft className="size-4" aria-hidden /> Customers
        </Link>
        <div className="mt-2 flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h1 className="text-xl font-semibold tracking-tight">{customer.name}</h1>
            <p className="break-all text-sm text-muted-foreground">{customer.email}</p>
          </div>
          {roleCan(actor.role, "payment.create") ? (
            <Button asChild>
              <Link href={`/payments/new?customer=${customer.id}`}>
                <Plus className="size-4" aria-hidden />
                New payment for this customer
              </Link>
            </Button>
          ) : null}
        </div>
      </div>

      <CustomerDetails customer={customer} />
      {/* Status and valid-until as the entitlements API answers them (lib/entitlements). */}
      <CustomerSubscriptions subscriptions={withEntitlements(profile.subscriptions, now)} />

      <section aria-labelledby="payments-heading" className="space-y-3">
        <h2 id="payments-heading" className="text-base font-semibold">
          Payments
        </h2>
        <PaymentsTable
          rows={page.rows}
          query={query}
          total={total}
          nextCursor={page.nextCursor}
          prevCursor={page.prevCursor}
          hidden={hidden}
          customerScope
        />
      </section>
    </div>
  );
}
