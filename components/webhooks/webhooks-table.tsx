"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { ChevronLeft, ChevronRight, Webhook } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { ColumnVisibilityMenu } from "@/components/data-table/column-visibility";
import { DataTable } from "@/components/data-table/data-table";
import { PageLink } from "@/components/data-table/page-link";
import { useUrlParams } from "@/components/data-table/use-url-params";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { NativeSelect } from "@/components/ui/native-select";
import {
  hasWebhookFilters,
  WEBHOOK_LIST_DEFAULTS,
  type WebhookListQuery,
  webhookListSizes,
} from "@/lib/validation/webhook-list";
import type { WebhookListRow } from "@/lib/webhooks/list";
import { OutcomeBadge, WEBHOOK_PROVIDER_LABEL } from "./outcome-badge";
import { WebhooksFilters } from "./webhooks-filters";

export const WEBHOOK_COLUMNS = [
  { id: "received", label: "Received" },
  { id: "provider", label: "Provider" },
  { id: "type", label: "Type" },
  { id: "outcome", label: "Outcome" },
  { id: "detail", label: "Reason / error" },
  { id: "attempts", label: "Attempts" },
  { id: "payment", label: "Payment" },
  { id: "eventId", label: "Event id" },
] as const;

/** Hidden unless the URL says otherwise (`hide=` lists what is hidden). */
export const WEBHOOK_DEFAULT_HIDDEN = ["eventId"];

const linkClass =
  "rounded-sm underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

export function WebhooksTable({
  rows,
  query,
  total,
  nextCursor,
  prevCursor,
  hidden,
}: {
  rows: WebhookListRow[];
  query: WebhookListQuery;
  total: { count: number; capped: boolean };
  nextCursor: string | null;
  prevCursor: string | null;
  hidden: string[];
}) {
  const fmt = useFormat();
  const { update, hrefWith, pending } = useUrlParams();

  const columns = useMemo<ColumnDef<WebhookListRow>[]>(
    () => [
      {
        id: "received",
        header: "Received",
        cell: ({ row }) => (
          <Link
            href={`/webhooks/${row.original.id}`}
            className={`whitespace-nowrap font-medium ${linkClass}`}
            data-testid="webhook-link"
          >
            <time dateTime={fmt.iso(row.original.receivedAt)}>{fmt.dateTime(row.original.receivedAt)}</time>
          </Link>
        ),
      },
      {
        id: "provider",
        header: "Provider",
        cell: ({ row }) => WEBHOOK_PROVIDER_LABEL[row.original.provider] ?? row.original.provider,
      },
      {
        id: "type",
        header: "Type",
        cell: ({ row }) => <span className="font-mono text-xs">{row.original.type}</span>,
      },
      {
        id: "outcome",
        header: "Outcome",
        cell: ({ row }) => <OutcomeBadge outcome={row.original.outcome} />,
      },
      {
        id: "detail",
        header: "Reason / error",
        cell: ({ row }) => {
          const text = row.original.error ?? row.original.outcomeReason;
          return text ? (
            <span
              className={`line-clamp-1 max-w-72 ${row.original.error ? "text-destructive" : "text-muted-foreground"}`}
              title={text}
            >
              {text}
            </span>
          ) : (
            <span className="text-muted-foreground">—</span>
          );
        },
      },
      {
        id: "attempts",
        header: "Attempts",
        meta: { align: "right" },
        cell: ({ row }) => row.original.attempts,
      },
      {
        id: "payment",
        header: "Payment",
        cell: ({ row }) =>
          row.original.paymentId ? (
            <Link href={`/payments/${row.original.paymentId}`} className={`font-mono text-xs ${linkClass}`}>
              {row.original.paymentId.slice(0, 8)}
            </Link>
          ) : (
            <span className="text-muted-foreground">—</span>
          ),
      },
      {
        id: "eventId",
        header: "Event id",
        cell: ({ row }) => (
          <span className="line-clamp-1 max-w-56 break-all font-mono text-xs">{row.original.eventId}</span>
        ),
      },
    ],
    [fmt],
  );

  const hiddenSet = new Set(hidden);
  const visibility = Object.fromEntries(WEBHOOK_COLUMNS.map((c) => [c.id, !hiddenSet.has(c.id)]));
  const filtered = hasWebhookFilters(query) || query.payment !== null;

  return (
    <div className="space-y-3">
      <WebhooksFilters query={query} onChange={update}>
        <ColumnVisibilityMenu
          columns={WEBHOOK_COLUMNS.map(({ id, label }) => ({ id, label }))}
          hidden={hiddenSet}
          onChange={(next) => update({ hide: next.join(",") }, { keepPage: true })}
        />
      </WebhooksFilters>
      <DataTable
        label="Webhook events"
        columns={columns}
        data={rows}
        getRowId={(row) => row.id}
        sorting={[{ id: "received", desc: true }]}
        onSortingChange={() => {}}
        columnVisibility={visibility}
        rowHref={(row) => `/webhooks/${row.id}`}
        pending={pending}
        empty={
          <EmptyState
            icon={Webhook}
            title={filtered ? "No events match these filters" : "No webhook events yet"}
            description={
              filtered
                ? "Change or clear the filters to see more."
                : "Events Stripe and YooKassa deliver to Paydesk will appear here."
            }
            action={
              filtered ? (
                <Button asChild variant="outline" size="sm">
                  <Link href="/webhooks">Clear filters</Link>
                </Button>
              ) : undefined
            }
          />
        }
      />
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
        <p className="text-muted-foreground" data-testid="webhooks-count" aria-live="polite">
          {total.capped
            ? `More than ${total.count.toLocaleString(fmt.prefs.locale)}`
            : total.count.toLocaleString(fmt.prefs.locale)}{" "}
          {total.count === 1 && !total.capped ? "event" : "events"}
        </p>
        <div className="flex items-center gap-2">
          <label htmlFor="webhooks-page-size" className="text-muted-foreground">
            Rows per page
          </label>
          <NativeSelect
            id="webhooks-page-size"
            className="h-8 w-20"
            value={String(query.size)}
            onChange={(event) =>
              update({
                size: event.target.value === String(WEBHOOK_LIST_DEFAULTS.size) ? null : event.target.value,
              })
            }
          >
            {webhookListSizes.map((size) => (
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
