"use client";

import { Receipt } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { type ListColumn, ListScreen } from "@/components/data-table/list-screen";
import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import type { CappedCount } from "@/db/capped-count";
import type { PaymentListRow } from "@/lib/payments/list";
import type { PaymentListQuery } from "@/lib/validation/payment-list";
import { PAYMENT_LIST_DEFAULTS, paymentListSizes } from "@/lib/validation/payment-list-options";
import { KIND_LABEL, METHOD_LABEL, PROVIDER_LABEL } from "./labels";
import { FLAG_LABEL, paymentFilters } from "./payments-filters";
import { StatusBadge } from "./status-badge";

export function PaymentsTable({
  rows,
  query,
  total,
  nextCursor,
  prevCursor,
  hidden,
  customerScope = false,
}: {
  rows: PaymentListRow[];
  query: PaymentListQuery;
  total: CappedCount;
  nextCursor: string | null;
  prevCursor: string | null;
  hidden: string[];
  /** One customer's history (on their page): no customer column, no customer search. */
  customerScope?: boolean;
}) {
  const fmt = useFormat();

  const columns = useMemo<ListColumn<PaymentListRow>[]>(
    () => [
      {
        id: "created",
        header: "Created",
        enableSorting: true,
        cell: ({ row }) => (
          <Link
            href={`/payments/${row.original.id}`}
            className="whitespace-nowrap font-medium underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring rounded-sm"
          >
            <time dateTime={fmt.iso(row.original.createdAt)}>{fmt.dateTime(row.original.createdAt)}</time>
          </Link>
        ),
      },
      {
        id: "customer",
        header: "Customer",
        enableSorting: false,
        cell: ({ row }) => (
          <div className="min-w-0">
            <div className="truncate">{row.original.customerName}</div>
            <div className="truncate text-xs text-muted-foreground">{row.original.customerEmail}</div>
          </div>
        ),
      },
      {
        id: "plan",
        header: "Plan",
        enableSorting: false,
        cell: ({ row }) => row.original.planName ?? <span className="text-muted-foreground">—</span>,
      },
      {
        id: "amount",
        header: "Amount",
        enableSorting: true,
        meta: { align: "right" },
        cell: ({ row }) => (
          <span className="whitespace-nowrap">
            {fmt.money(row.original.amountMinor, row.original.currency)}
          </span>
        ),
      },
      {
        id: "refunded",
        header: "Refunded",
        enableSorting: false,
        meta: { align: "right" },
        cell: ({ row }) =>
          row.original.refundedMinor > 0n ? (
            <span className="whitespace-nowrap">
              {fmt.money(row.original.refundedMinor, row.original.currency)}
            </span>
          ) : (
            <span className="text-muted-foreground">—</span>
          ),
      },
      {
        id: "status",
        header: "Status",
        enableSorting: false,
        cell: ({ row }) => (
          <div className="flex flex-wrap items-center gap-1">
            <StatusBadge status={row.original.status} />
            <FlagBadges row={row.original} />
          </div>
        ),
      },
      { id: "kind", header: "Kind", enableSorting: false, cell: ({ row }) => KIND_LABEL[row.original.kind] },
      {
        id: "provider",
        header: "Provider",
        enableSorting: false,
        cell: ({ row }) => PROVIDER_LABEL[row.original.provider],
      },
      {
        id: "method",
        header: "Method",
        enableSorting: false,
        cell: ({ row }) => (row.original.method ? METHOD_LABEL[row.original.method] : "—"),
      },
      {
        id: "description",
        header: "Description",
        enableSorting: false,
        cell: ({ row }) => <span className="line-clamp-1 max-w-64">{row.original.description ?? "—"}</span>,
      },
    ],
    [fmt],
  );

  return (
    <ListScreen
      label="Payments"
      columns={customerScope ? columns.filter((c) => c.id !== "customer") : columns}
      rows={rows}
      getRowId={(row) => row.id}
      rowHref={(row) => `/payments/${row.id}`}
      sort={{ sort: query.sort, dir: query.dir, defaultSort: PAYMENT_LIST_DEFAULTS.sort }}
      hidden={hidden}
      toolbar={{ label: "Filter payments", filters: paymentFilters(query, { search: !customerScope }) }}
      narrowed={!customerScope && query.customer !== null}
      page={{
        total,
        noun: { one: "payment", other: "payments" },
        countTestId: "payments-count",
        sizeSelectId: "page-size",
        sizes: paymentListSizes,
        size: query.size,
        defaultSize: PAYMENT_LIST_DEFAULTS.size,
        nextCursor,
        prevCursor,
      }}
      empty={{
        icon: Receipt,
        title: customerScope ? "No payments for this customer yet" : "No payments yet",
        description: "Payments you record will appear here.",
        filteredTitle: "No payments match these filters",
      }}
    />
  );
}

/** What else the payment is waiting on, beside its status: a dispute, a refund, a decision. */
function FlagBadges({ row }: { row: PaymentListRow }) {
  return (
    <>
      {row.disputed ? (
        <Badge variant="danger" data-testid="payment-flag" data-flag="disputed">
          {FLAG_LABEL.disputed}
        </Badge>
      ) : null}
      {row.refundPending ? (
        <Badge variant="warning" data-testid="payment-flag" data-flag="refund_pending">
          {FLAG_LABEL.refund_pending}
        </Badge>
      ) : null}
      {row.reviewReason ? (
        <Badge variant="warning" data-testid="payment-flag" data-flag="held" title={row.reviewReason}>
          {FLAG_LABEL.held}
        </Badge>
      ) : null}
    </>
  );
}
