"use client";

import { Webhook } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { type ListColumn, ListScreen } from "@/components/data-table/list-screen";
import { useFormat } from "@/components/format/format-provider";
import type { CappedCount } from "@/db/capped-count";
import type { WebhookListQuery } from "@/lib/validation/webhook-list";
import { WEBHOOK_LIST_DEFAULTS, webhookListSizes } from "@/lib/validation/webhook-list-options";
import type { WebhookListRow } from "@/lib/webhooks/list";
import { OutcomeBadge, WEBHOOK_PROVIDER_LABEL } from "./outcome-badge";
import { webhookFilters } from "./webhooks-filters";

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
  total: CappedCount;
  nextCursor: string | null;
  prevCursor: string | null;
  hidden: string[];
}) {
  const fmt = useFormat();

  const columns = useMemo<ListColumn<WebhookListRow>[]>(
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

  return (
    <ListScreen
      label="Webhook events"
      columns={columns}
      rows={rows}
      getRowId={(row) => row.id}
      rowHref={(row) => `/webhooks/${row.id}`}
      sort={{ sort: "received", dir: "desc", defaultSort: "received" }}
      hidden={hidden}
      toolbar={{ label: "Filter webhook events", filters: webhookFilters(query) }}
      narrowed={query.payment !== null}
      page={{
        total,
        noun: { one: "event", other: "events" },
        countTestId: "webhooks-count",
        sizeSelectId: "webhooks-page-size",
        sizes: webhookListSizes,
        size: query.size,
        defaultSize: WEBHOOK_LIST_DEFAULTS.size,
        nextCursor,
        prevCursor,
      }}
      empty={{
        icon: Webhook,
        title: "No webhook events yet",
        description: "Events Stripe and YooKassa deliver to Paydesk will appear here.",
        filteredTitle: "No events match these filters",
      }}
    />
  );
}
