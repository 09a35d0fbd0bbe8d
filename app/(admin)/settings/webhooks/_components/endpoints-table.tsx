"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { Webhook } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useFormat } from "@/components/format/format-provider";
import { EmptyState } from "@/components/ui/empty-state";
import type { EndpointListItem } from "@/lib/outbound/endpoints";
import { DeliveryStatusBadge, EndpointStatusBadge } from "./delivery-status";
import { EndpointActions } from "./endpoint-actions";

export function EndpointsTable({ endpoints }: { endpoints: EndpointListItem[] }) {
  const fmt = useFormat();
  const columns = useMemo<ColumnDef<EndpointListItem>[]>(
    () => [
      {
        id: "url",
        header: "URL",
        cell: ({ row }) => (
          <div className="max-w-xs">
            <Link
              href={`/settings/webhooks/${row.original.id}`}
              className="block truncate font-medium hover:underline"
              title={row.original.url}
              data-testid="endpoint-link"
            >
              {row.original.url}
            </Link>
            {row.original.description ? (
              <div className="truncate text-xs text-muted-foreground">{row.original.description}</div>
            ) : null}
          </div>
        ),
      },
      {
        id: "events",
        header: "Events",
        cell: ({ row }) => {
          const types = row.original.eventTypes;
          return (
            <div className="max-w-xs text-xs text-muted-foreground" title={types.join(", ")}>
              <span className="font-mono">{types.slice(0, 3).join(", ")}</span>
              {types.length > 3 ? ` +${types.length - 3} more` : ""}
            </div>
          );
        },
      },
      {
        id: "status",
        header: "Status",
        cell: ({ row }) => (
          <>
            <EndpointStatusBadge status={row.original.status} />
            {row.original.status === "disabled" && row.original.disabledReason ? (
              <div
                className="mt-1 max-w-[14rem] truncate text-xs text-muted-foreground"
                title={row.original.disabledReason}
              >
                {row.original.disabledReason}
              </div>
            ) : null}
          </>
        ),
      },
      {
        id: "created",
        header: "Created",
        cell: ({ row }) => (
          <time className="text-sm text-muted-foreground" dateTime={fmt.iso(row.original.createdAt)}>
            {fmt.dateTime(row.original.createdAt)}
          </time>
        ),
      },
      {
        id: "lastDelivery",
        header: "Last delivery",
        cell: ({ row }) => {
          const last = row.original.lastDelivery;
          return last ? (
            <div className="flex flex-col gap-0.5 text-sm">
              <div className="flex items-center gap-1.5">
                <DeliveryStatusBadge status={last.status} />
                {last.lastStatusCode !== null ? (
                  <span className="font-mono text-xs">{last.lastStatusCode}</span>
                ) : null}
              </div>
              <span className="text-xs text-muted-foreground">
                {fmt.dateTime(last.lastAttemptAt ?? last.createdAt)}
              </span>
            </div>
          ) : (
            <span className="text-sm text-muted-foreground">None yet</span>
          );
        },
      },
      {
        id: "actions",
        header: "Actions",
        meta: { align: "right" },
        cell: ({ row }) => <EndpointActions endpoint={row.original} />,
      },
    ],
    [fmt],
  );
  return (
    <DataTable
      label="Webhook endpoints"
      columns={columns}
      data={endpoints}
      getRowId={(e) => e.id}
      rowAttributes={(e) => ({ "data-testid": "endpoint-row", "data-url": e.url })}
      empty={
        <EmptyState
          icon={Webhook}
          title="No endpoints yet"
          description="Add an endpoint to have Paydesk POST signed events (payments, subscriptions, customers) to another system."
          data-testid="endpoints-empty"
          className="m-3"
        />
      }
    />
  );
}
