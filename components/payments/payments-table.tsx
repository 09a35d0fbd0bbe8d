"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { ChevronLeft, ChevronRight, Receipt } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useMemo } from "react";
import { ColumnVisibilityMenu } from "@/components/data-table/column-visibility";
import { DataTable } from "@/components/data-table/data-table";
import { PageLink } from "@/components/data-table/page-link";
import { useUrlParams } from "@/components/data-table/use-url-params";
import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { NativeSelect } from "@/components/ui/native-select";
import type { PaymentListRow } from "@/lib/payments/list";
import { hasToolbarFilters, type PaymentListQuery, paymentListSizes } from "@/lib/validation/payment-list";
import { KIND_LABEL, METHOD_LABEL, PROVIDER_LABEL } from "./labels";
import { FLAG_LABEL, PaymentsFilters } from "./payments-filters";
import { StatusBadge } from "./status-badge";

export const PAYMENT_COLUMNS = [
  { id: "created", label: "Created" },
  { id: "customer", label: "Customer" },
  { id: "plan", label: "Plan" },
  { id: "amount", label: "Amount" },
  { id: "refunded", label: "Refunded" },
  { id: "status", label: "Status" },
  { id: "kind", label: "Kind" },
  { id: "provider", label: "Provider" },
  { id: "method", label: "Method" },
  { id: "description", label: "Description" },
] as const;

/** Hidden unless the URL says otherwise (`hide=` lists what is hidden). */
export const DEFAULT_HIDDEN = ["refunded", "method", "description"];

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
  total: { count: number; capped: boolean };
  nextCursor: string | null;
  prevCursor: string | null;
  hidden: string[];
  /** One customer's history (on their page): no customer column, no customer search. */
  customerScope?: boolean;
}) {
  const fmt = useFormat();
  const pathname = usePathname();
  const { update, hrefWith, pending } = useUrlParams();

  const columns = useMemo<ColumnDef<PaymentListRow>[]>(
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

  const hiddenSet = new Set(hidden);
  if (customerScope) hiddenSet.add("customer");
  const menuColumns = PAYMENT_COLUMNS.filter((c) => !customerScope || c.id !== "customer");
  const visibility = Object.fromEntries(PAYMENT_COLUMNS.map((c) => [c.id, !hiddenSet.has(c.id)]));
  const filtered = hasToolbarFilters(query) || (!customerScope && query.customer !== null);

  return (
    <div className="space-y-3">
      <PaymentsFilters query={query} onChange={update} search={!customerScope}>
        <ColumnVisibilityMenu
          columns={menuColumns.map(({ id, label }) => ({ id, label }))}
          hidden={hiddenSet}
          onChange={(next) =>
            update(
              { hide: next.filter((id) => !customerScope || id !== "customer").join(",") },
              { keepPage: true },
            )
          }
        />
      </PaymentsFilters>
      <DataTable
        label="Payments"
        columns={columns}
        data={rows}
        getRowId={(row) => row.id}
        sorting={[{ id: query.sort, desc: query.dir === "desc" }]}
        onSortingChange={(id) => {
          const dir = query.sort === id && query.dir === "desc" ? "asc" : "desc";
          update({ sort: id === "created" ? null : id, dir: dir === "desc" ? null : dir });
        }}
        columnVisibility={visibility}
        rowHref={(row) => `/payments/${row.id}`}
        pending={pending}
        empty={
          <EmptyState
            icon={Receipt}
            title={
              filtered
                ? "No payments match these filters"
                : customerScope
                  ? "No payments for this customer yet"
                  : "No payments yet"
            }
            description={
              filtered ? "Change or clear the filters to see more." : "Payments you record will appear here."
            }
            action={
              filtered ? (
                <Button asChild variant="outline" size="sm">
                  <Link href={pathname}>Clear filters</Link>
                </Button>
              ) : undefined
            }
          />
        }
      />
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
        <p className="text-muted-foreground" data-testid="payments-count" aria-live="polite">
          {total.capped
            ? `More than ${total.count.toLocaleString(fmt.prefs.locale)}`
            : total.count.toLocaleString(fmt.prefs.locale)}{" "}
          {total.count === 1 && !total.capped ? "payment" : "payments"}
        </p>
        <div className="flex items-center gap-2">
          <label htmlFor="page-size" className="text-muted-foreground">
            Rows per page
          </label>
          <NativeSelect
            id="page-size"
            className="h-8 w-20"
            value={String(query.size)}
            onChange={(event) => update({ size: event.target.value === "25" ? null : event.target.value })}
          >
            {paymentListSizes.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </NativeSelect>
          <PageLink
            href={prevCursor ? hrefWith({ cursor: prevCursor, back: "1" }) : null}
            label="Previous page"
          >
            <ChevronLeft className="size-4" aria-hidden /> Previous
          </PageLink>
          <PageLink href={nextCursor ? hrefWith({ cursor: nextCursor, back: null }) : null} label="Next page">
            Next <ChevronRight className="size-4" aria-hidden />
          </PageLink>
        </div>
      </div>
    </div>
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
