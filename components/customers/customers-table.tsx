"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { ChevronLeft, ChevronRight, Search, Users } from "lucide-react";
import Link from "next/link";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { PageLink } from "@/components/data-table/page-link";
import { useUrlParams } from "@/components/data-table/use-url-params";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import type { CappedCount, CustomerListRow } from "@/lib/customers/list";
import {
  CUSTOMER_LIST_DEFAULT_SIZE,
  CUSTOMER_QUERY_MIN,
  type CustomerListQuery,
  customerListSizes,
} from "@/lib/validation/customer-list";
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
  const { update, hrefWith, pending } = useUrlParams();

  const columns = useMemo<ColumnDef<CustomerListRow>[]>(
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
    <div className="space-y-3">
      <SearchBox value={query.q ?? ""} onChange={(q) => update({ q: q || null })} />
      <DataTable
        label={searching ? `Customers matching “${query.q}”` : "Customers"}
        columns={columns}
        data={rows}
        getRowId={(row) => row.id}
        sorting={[]}
        onSortingChange={() => {}}
        columnVisibility={{}}
        rowHref={(row) => `/customers/${row.id}`}
        pending={pending}
        empty={
          tooShort ? (
            <EmptyState
              icon={Search}
              title={`Type at least ${CUSTOMER_QUERY_MIN} characters`}
              description="Search by a part of the email or the name, or by the start of the id."
            />
          ) : searching ? (
            <EmptyState
              icon={Search}
              title={`No customer matches “${query.q}”`}
              description="Search looks in emails and names (any part, any case) and at the start of ids."
              action={
                <Button asChild variant="outline" size="sm">
                  <Link href="/customers">Clear search</Link>
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={Users}
              title="No customers yet"
              description="Customers are added with their first payment."
            />
          )
        }
      />
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
        <p className="text-muted-foreground" data-testid="customers-count" aria-live="polite">
          {tooShort ? "" : countText(total, searching, fmt.prefs.locale)}
        </p>
        <div className="flex items-center gap-2">
          <label htmlFor="customers-page-size" className="text-muted-foreground">
            Rows per page
          </label>
          <NativeSelect
            id="customers-page-size"
            className="h-8 w-20"
            value={String(query.size)}
            onChange={(event) =>
              update({
                size: event.target.value === String(CUSTOMER_LIST_DEFAULT_SIZE) ? null : event.target.value,
              })
            }
          >
            {customerListSizes.map((size) => (
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

/**
 * Debounced: the URL (and so the server query) changes once typing pauses. One character is
 * not searched: the hint below the box says so without a round trip.
 */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  const last = useRef(value);
  const hintId = useId();
  // Only a change from elsewhere (back button, "Clear search") replaces what is typed: the
  // URL catching up with this box must not undo keystrokes made while the page loaded.
  useEffect(() => {
    if (value === last.current) return;
    setText(value);
    last.current = value;
  }, [value]);
  useEffect(() => {
    const trimmed = text.trim();
    if (trimmed === last.current || trimmed.length === 1) return;
    const timer = setTimeout(() => {
      last.current = trimmed;
      onChange(trimmed);
    }, 300);
    return () => clearTimeout(timer);
  }, [text, onChange]);
  const short = text.trim().length === 1;
  return (
    <search aria-label="Customers" className="flex flex-wrap items-center gap-x-3 gap-y-1">
      <div className="relative w-full max-w-md">
        <Search
          className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
          aria-hidden
        />
        <Input
          type="search"
          aria-label="Search customers"
          aria-describedby={hintId}
          placeholder="Email, name or id…"
          className="pl-8"
          value={text}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              const trimmed = text.trim();
              if (trimmed.length !== 1 && trimmed !== last.current) {
                last.current = trimmed;
                onChange(trimmed);
              }
            }
          }}
        />
      </div>
      <p id={hintId} className="text-xs text-muted-foreground" aria-live="polite">
        {short
          ? `Type at least ${CUSTOMER_QUERY_MIN} characters to search.`
          : "Any part of the email or name, any case, or the start of the id."}
      </p>
    </search>
  );
}

/** "25 customers", "1 customer matches", "More than 1,000 customers match". */
function countText(total: CappedCount, searching: boolean, locale: string): string {
  const one = total.count === 1 && !total.capped;
  const n = `${total.capped ? "More than " : ""}${total.count.toLocaleString(locale)}`;
  if (!searching) return `${n} ${one ? "customer" : "customers"}`;
  return `${n} ${one ? "customer matches" : "customers match"}`;
}
