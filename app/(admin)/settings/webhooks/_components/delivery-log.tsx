"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { ChevronDown, ChevronRight, Inbox, RotateCw } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { DataTable } from "@/components/data-table/data-table";
import {
  RowExpansionProvider,
  useRowExpansion,
  useRowExpansionState,
} from "@/components/data-table/row-expansion";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { toast } from "@/components/ui/toast";
import type { DeliveryAttemptView, DeliveryLogItem } from "@/lib/outbound/deliveries";
import { resendDeliveryAction } from "../actions";
import { DeliveryStatusBadge } from "./delivery-status";

export function DeliveryLog({
  deliveries,
  endpointEnabled,
  nextHref,
  firstHref,
}: {
  deliveries: DeliveryLogItem[];
  endpointEnabled: boolean;
  /** The next (older) page, when there is one. */
  nextHref: string | null;
  /** Back to the newest deliveries, when this is not the first page. */
  firstHref: string | null;
}) {
  const fmt = useFormat();
  const expansion = useRowExpansionState();

  const columns = useMemo<ColumnDef<DeliveryLogItem>[]>(
    () => [
      {
        id: "toggle",
        header: () => <span className="sr-only">Attempts</span>,
        meta: { headerClassName: "w-8" },
        cell: ({ row }) => <AttemptsToggle id={row.original.id} />,
      },
      {
        id: "event",
        header: "Event",
        cell: ({ row }) => (
          <>
            <div className="font-mono text-xs font-medium">{row.original.eventType}</div>
            <div className="font-mono text-xs text-muted-foreground" title="webhook-id">
              {row.original.eventId}
            </div>
          </>
        ),
      },
      {
        id: "status",
        header: "Status",
        cell: ({ row }) => <DeliveryStatusBadge status={row.original.status} />,
      },
      {
        id: "attempts",
        header: "Attempts",
        meta: { align: "right" },
        cell: ({ row }) => row.original.attempts,
      },
      {
        id: "lastCode",
        header: "Last code",
        meta: { align: "right" },
        cell: ({ row }) => <span className="font-mono text-xs">{row.original.lastStatusCode ?? "—"}</span>,
      },
      {
        id: "latency",
        header: "Latency",
        meta: { align: "right" },
        cell: ({ row }) => (
          <span className="text-xs">
            {row.original.lastLatencyMs === null ? "—" : `${row.original.lastLatencyMs} ms`}
          </span>
        ),
      },
      {
        id: "created",
        header: "Created",
        cell: ({ row }) => (
          <span className="text-xs text-muted-foreground">{fmt.dateTime(row.original.createdAt)}</span>
        ),
      },
      {
        id: "next",
        header: "Next attempt",
        cell: ({ row }) => (
          <span className="text-xs text-muted-foreground">
            {row.original.status === "pending" ? fmt.dateTime(row.original.nextAttemptAt) : "—"}
          </span>
        ),
      },
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        meta: { align: "right" },
        cell: ({ row }) => <ResendButton deliveryId={row.original.id} disabled={!endpointEnabled} />,
      },
    ],
    [fmt, endpointEnabled],
  );

  if (deliveries.length === 0) {
    return (
      <EmptyState
        icon={Inbox}
        title={firstHref ? "No older deliveries" : "No deliveries yet"}
        description="Each event of a type this endpoint subscribes to appears here once it is sent."
        data-testid="deliveries-empty"
        action={
          firstHref ? (
            <Button asChild variant="outline" size="sm">
              <Link href={firstHref}>Newest deliveries</Link>
            </Button>
          ) : null
        }
      />
    );
  }

  return (
    <RowExpansionProvider value={expansion}>
      <div className="space-y-3">
        <DataTable
          label="Deliveries"
          columns={columns}
          data={deliveries}
          getRowId={(d) => d.id}
          rowAttributes={(d) => ({
            "data-testid": "delivery-row",
            "data-delivery-id": d.id,
            "data-event-id": d.eventId,
          })}
          renderDetail={(d) =>
            expansion.open.has(d.id) ? (
              <div className="px-4 py-3">
                <AttemptList attempts={d.attemptLog} lastError={d.lastError} />
              </div>
            ) : null
          }
          detailId={(d) => `attempts-${d.id}`}
          empty={null}
        />
        <nav aria-label="Delivery log pages" className="flex justify-end gap-2">
          {firstHref ? (
            <Button asChild variant="outline" size="sm">
              <Link href={firstHref}>Newest</Link>
            </Button>
          ) : null}
          {nextHref ? (
            <Button asChild variant="outline" size="sm">
              <Link href={nextHref} data-testid="older-deliveries">
                Older
              </Link>
            </Button>
          ) : null}
        </nav>
      </div>
    </RowExpansionProvider>
  );
}

function AttemptsToggle({ id }: { id: string }) {
  const { expanded, toggle } = useRowExpansion(id);
  return (
    <Button
      variant="ghost"
      size="icon"
      className="size-7"
      aria-expanded={expanded}
      aria-controls={expanded ? `attempts-${id}` : undefined}
      aria-label={`${expanded ? "Hide" : "Show"} the attempts of this delivery`}
      data-testid="toggle-attempts"
      onClick={toggle}
    >
      {expanded ? (
        <ChevronDown className="size-4" aria-hidden />
      ) : (
        <ChevronRight className="size-4" aria-hidden />
      )}
    </Button>
  );
}

function AttemptList({ attempts, lastError }: { attempts: DeliveryAttemptView[]; lastError: string | null }) {
  const fmt = useFormat();
  if (attempts.length === 0) {
    return (
      <p className="text-sm text-muted-foreground" data-testid="no-attempts">
        Not attempted yet{lastError ? `: ${lastError}` : "."}
      </p>
    );
  }
  return (
    <ol className="space-y-2" aria-label="Attempts">
      {attempts.map((a) => (
        <li key={a.id} className="rounded-md border bg-card p-3 text-sm" data-testid="delivery-attempt">
          <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
            <span className="font-medium">Attempt {a.attempt}</span>
            <span className="text-muted-foreground">{fmt.dateTime(a.at)}</span>
            <span className="font-mono text-xs">{a.statusCode ?? "no answer"}</span>
            <span className="tabular-nums text-xs">{a.latencyMs === null ? "—" : `${a.latencyMs} ms`}</span>
            {a.manualByEmail ? (
              <span className="text-xs text-muted-foreground">resent by {a.manualByEmail}</span>
            ) : null}
          </div>
          {a.error ? <p className="mt-1 text-xs text-destructive">{a.error}</p> : null}
          {a.responseExcerpt ? (
            <pre className="mt-2 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-muted/50 p-2 font-mono text-xs">
              {a.responseExcerpt}
            </pre>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function ResendButton({ deliveryId, disabled }: { deliveryId: string; disabled: boolean }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="outline"
      size="sm"
      disabled={disabled || pending}
      aria-busy={pending}
      title={disabled ? "Enable the endpoint to resend" : undefined}
      data-testid="resend-delivery"
      onClick={async () => {
        setPending(true);
        const result = await resendDeliveryAction({ deliveryId });
        setPending(false);
        if (!result.ok) {
          toast.error(result.message);
        } else if (result.data.outcome === "succeeded") {
          toast.success(`Delivered (${result.data.statusCode})`);
        } else {
          toast.error(
            `Not delivered: ${result.data.error ?? `the endpoint answered ${result.data.statusCode}`}`,
          );
        }
        router.refresh();
      }}
    >
      <RotateCw className="size-4" aria-hidden /> {pending ? "Sending…" : "Resend"}
    </Button>
  );
}
