import { Plus } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { PaymentsTable } from "@/components/payments/payments-table";
import { Button } from "@/components/ui/button";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { countPaymentsCapped, listPaymentsPage } from "@/lib/payments/list";
import { hiddenColumns } from "@/lib/validation/hidden-columns";
import { PAYMENT_LIST_DEFAULT_HIDDEN, parsePaymentListQuery } from "@/lib/validation/payment-list";

export const metadata: Metadata = { title: "Payments" };
export const dynamic = "force-dynamic";

export default async function PaymentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePageActor("payment.view");
  const params = await searchParams;
  const query = parsePaymentListQuery(params);
  const db = await appDb();
  const [page, total] = await Promise.all([listPaymentsPage(db, query), countPaymentsCapped(db, query)]);
  const hidden = hiddenColumns(params, PAYMENT_LIST_DEFAULT_HIDDEN);

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Payments</h1>
          <p className="text-sm text-muted-foreground">
            Every payment, newest first. Filters and sorting stay in the address bar.
          </p>
        </div>
        {roleCan(actor.role, "payment.create") ? (
          <Button asChild>
            <Link href="/payments/new">
              <Plus className="size-4" aria-hidden />
              New payment
            </Link>
          </Button>
        ) : null}
      </div>
      <PaymentsTable
        rows={page.rows}
        query={query}
        total={total}
        nextCursor={page.nextCursor}
        prevCursor={page.prevCursor}
        hidden={hidden}
      />
    </div>
  );
}
