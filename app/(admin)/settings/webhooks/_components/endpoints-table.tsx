"use client";

import { Webhook } from "lucide-react";
import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { EndpointListItem } from "@/lib/outbound/endpoints";
import { DeliveryStatusBadge, EndpointStatusBadge } from "./delivery-status";
import { EndpointActions } from "./endpoint-actions";

export function EndpointsTable({ endpoints }: { endpoints: EndpointListItem[] }) {
  const fmt = useFormat();
  if (endpoints.length === 0) {
    return (
      <EmptyState
        icon={Webhook}
        title="No endpoints yet"
        description="Add an endpoint to have Paydesk POST signed events (payments, subscriptions, customers) to another system."
        data-testid="endpoints-empty"
      />
    );
  }
  return (
    <div className="rounded-lg border bg-card">
      <Table aria-label="Webhook endpoints">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead>URL</TableHead>
            <TableHead>Events</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>Created</TableHead>
            <TableHead>Last delivery</TableHead>
            <TableHead className="text-right">Actions</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {endpoints.map((e) => (
            <TableRow key={e.id} data-testid="endpoint-row" data-url={e.url}>
              <TableCell className="max-w-xs">
                <Link
                  href={`/settings/webhooks/${e.id}`}
                  className="block truncate font-medium hover:underline"
                  title={e.url}
                  data-testid="endpoint-link"
                >
                  {e.url}
                </Link>
                {e.description ? (
                  <div className="truncate text-xs text-muted-foreground">{e.description}</div>
                ) : null}
              </TableCell>
              <TableCell className="max-w-xs">
                <div className="text-xs text-muted-foreground" title={e.eventTypes.join(", ")}>
                  <span className="font-mono">{e.eventTypes.slice(0, 3).join(", ")}</span>
                  {e.eventTypes.length > 3 ? ` +${e.eventTypes.length - 3} more` : ""}
                </div>
              </TableCell>
              <TableCell>
                <EndpointStatusBadge status={e.status} />
                {e.status === "disabled" && e.disabledReason ? (
                  <div
                    className="mt-1 max-w-[14rem] truncate text-xs text-muted-foreground"
                    title={e.disabledReason}
                  >
                    {e.disabledReason}
                  </div>
                ) : null}
              </TableCell>
              <TableCell className="text-sm text-muted-foreground">
                <time dateTime={fmt.iso(e.createdAt)}>{fmt.dateTime(e.createdAt)}</time>
              </TableCell>
              <TableCell className="text-sm">
                {e.lastDelivery ? (
                  <div className="flex flex-col gap-0.5">
                    <div className="flex items-center gap-1.5">
                      <DeliveryStatusBadge status={e.lastDelivery.status} />
                      {e.lastDelivery.lastStatusCode !== null ? (
                        <span className="font-mono text-xs">{e.lastDelivery.lastStatusCode}</span>
                      ) : null}
                    </div>
                    <span className="text-xs text-muted-foreground">
                      {fmt.dateTime(e.lastDelivery.lastAttemptAt ?? e.lastDelivery.createdAt)}
                    </span>
                  </div>
                ) : (
                  <span className="text-muted-foreground">None yet</span>
                )}
              </TableCell>
              <TableCell className="text-right">
                <EndpointActions endpoint={e} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
