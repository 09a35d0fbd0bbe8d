"use client";

import { Search, Users } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { countText } from "@/components/data-table/list-footer";
import { type ListColumn, ListScreen } from "@/components/data-table/list-screen";
import { useFormat } from "@/components/format/format-provider";
import { EmptyState } from "@/components/ui/empty-state";
import type { CappedCount } from "@/db/capped-count";
import type { CustomerListRow } from "@/lib/customers/list";
import type { CustomerListQuery } from "@/lib/validation/customer-list";
import {
  CUSTOMER_LIST_DEFAULT_SIZE,
  CUSTOMER_QUERY_MIN,
  customerListSizes,
} from "@/lib/validation/customer-list-options";
import { CopyId } from "./copy-id";
import { SubscriptionStatusBadge } from "./subscription-status";

export function CustomersTable({
  rows,
  query,
  total,
  nextCursor,
  prevCursor,
  tooShort,
}: {
  rows: CustomerListRow[];
  query: CustomerListQuery;
  total: CappedCount;
  nextCursor: string | null;
  prevCursor: string | null;
  tooShort: boolean;
}) {
  const fmt = useFormat();

  const columns = useMemo<ListColumn<CustomerListRow>[]>(
    () => [
      {
        id: "name",
        header: "Name",
        cell: ({ row }) => (
          <Link
            href={`/customers/${row.original.id}`}
            className="rounded-sm font-medium underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            {row.original.name}
          </Link>
        ),
      },
      {
        id: "email",
        header: "Email",
        cell: ({ row }) => <span className="break-all">{row.original.email}</span>,
      },
      {
        id: "id",
        header: "Id",
        cell: ({ row }) => (
          <CopyId id={row.original.id} short label={`Copy the id of ${row.original.name}`} />
        ),
      },
      {
        id: "externalRef",
        header: "External ref",
        cell: ({ row }) =>
          row.original.externalRef ? (
            <span className="font-mono text-xs">{row.original.externalRef}</span>
          ) : (
            <span className="text-muted-foreground">—</span>
          ),
      },
      {
        id: "subscriptions",
        header: "Subscriptions",
        cell: ({ row }) =>
          row.original.subscriptions.length === 0 ? (
            <span className="text-muted-foreground">None</span>
          ) : (
            <ul className="space-y-1">
              {row.original.subscriptions.map((s) => (
                <li key={s.planCode} className="flex flex-wrap items-center gap-x-1.5 gap-y-0.5 text-sm">
                  <span>{s.planName}</span>
                  <SubscriptionStatusBadge status={s.status} />
                  <span className="whitespace-nowrap text-xs text-muted-foreground">
                    {s.status === "expired" ? "ended" : "until"}{" "}
                    <time dateTime={fmt.iso(s.currentPeriodEnd)}>{fmt.date(s.currentPeriodEnd)}</time>
                  </span>
                </li>
              ))}
            </ul>
          ),
      },
      {
        id: "payments",
        header: "Payments",
        cell: ({ row }) =>
          row.original.paymentCount === 0 ? (
            <span className="text-muted-foreground">None</span>
          ) : (
            <div className="whitespace-nowrap">
              <span className="tabular-nums">
                {row.original.paymentCount.toLocaleString(fmt.prefs.locale)}
              </span>
              <div className="text-xs text-muted-foreground">
                last{" "}
                {row.original.lastPaymentAt ? (
                  <time dateTime={fmt.iso(row.original.lastPaymentAt)}>
                    {fmt.date(row.original.lastPaymentAt)}
                  </time>
                ) : (
                  "—"
                )}
              </div>
            </div>
          ),
      },
      {
        id: "created",
        header: "Created",
        cell: ({ row }) => (
          <time className="whitespace-nowrap" dateTime={fmt.iso(row.original.createdAt)}>
            {fmt.date(row.original.createdAt)}
          </time>
        ),
      },
    ],
    [fmt],
  );

  const searching = query.q !== null;
  return (
    <ListScreen
      label={searching ? `Customers matching “${query.q}”` : "Customers"}
      columns={columns}
      rows={rows}
      getRowId={(row) => row.id}
      rowHref={(row) => `/customers/${row.id}`}
      toolbar={{
        label: "Find customers",
        filters: [
          {
            kind: "search",
            param: "q",
            value: query.q,
            label: "Search customers",
            placeholder: "Email, name or id…",
            minLength: CUSTOMER_QUERY_MIN,
            hint: "Any part of the email or name, any case, or the start of the id.",
            className: "w-full max-w-md sm:w-96",
          },
        ],
      }}
      page={{
        total,
        noun: { one: "customer", other: "customers" },
        countText: tooShort ? "" : searching ? matchText(total, fmt.prefs.locale) : undefined,
        countTestId: "customers-count",
        sizeSelectId: "customers-page-size",
        sizes: customerListSizes,
        size: query.size,
        defaultSize: CUSTOMER_LIST_DEFAULT_SIZE,
        nextCursor,
        prevCursor,
      }}
      empty={{
        icon: Users,
        title: "No customers yet",
        description: "Customers are added with their first payment.",
        filteredTitle: `No customer matches “${query.q}”`,
        filteredDescription: "Search looks in emails and names (any part, any case) and at the start of ids.",
        clearLabel: "Clear search",
      }}
      emptyOverride={
        tooShort ? (
          <EmptyState
            icon={Search}
            title={`Type at least ${CUSTOMER_QUERY_MIN} characters`}
            description="Search by a part of the email or the name, or by the start of the id."
          />
        ) : undefined
      }
    />
  );
}

/** "1 customer matches", "More than 1,000 customers match". */
function matchText(total: CappedCount, locale: string): string {
  return countText(total, { one: "customer matches", other: "customers match" }, locale);
}
