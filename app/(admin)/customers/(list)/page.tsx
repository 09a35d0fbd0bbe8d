import type { Metadata } from "next";
import { CustomersTable } from "@/components/customers/customers-table";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { countCustomersCapped, listCustomersPage } from "@/lib/customers/list";
import { parseCustomerListQuery } from "@/lib/validation/customer-list";

export const metadata: Metadata = { title: "Customers" };
export const dynamic = "force-dynamic";

export default async function CustomersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor("customer.view");
  const query = parseCustomerListQuery(await searchParams);
  const db = await appDb();
  const [page, total] = await Promise.all([listCustomersPage(db, query), countCustomersCapped(db, query)]);

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Customers</h1>
        <p className="text-sm text-muted-foreground">
          Newest first; a search lists matches by email. Open a customer for their access and payments.
        </p>
      </div>
      <CustomersTable
        rows={page.rows}
        query={query}
        total={total}
        nextCursor={page.nextCursor}
        prevCursor={page.prevCursor}
        tooShort={page.tooShort}
      />
    </div>
  );
}
