"use client";

import { ChevronDown, ChevronRight, Inbox, RotateCw } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Fragment, useState } from "react";
import { toast } from "sonner";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { DeliveryAttemptView, DeliveryLogItem } from "@/lib/outbound/deliveries";
import { resendDeliveryAction } from "../actions";
import { DeliveryStatusBadge } from "./delivery-status";

const COLUMNS = 9;

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
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

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
    <div className="space-y-3">
      <div className="rounded-lg border bg-card">
        <Table aria-label="Deliveries">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-8">
                <span className="sr-only">Attempts</span>
              </TableHead>
              <TableHead>Event</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Attempts</TableHead>
              <TableHead className="text-right">Last code</TableHead>
              <TableHead className="text-right">Latency</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Next attempt</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {deliveries.map((d) => {
              const expanded = open.has(d.id);
              return (
                <Fragment key={d.id}>
                  <TableRow data-testid="delivery-row" data-delivery-id={d.id} data-event-id={d.eventId}>
                    <TableCell>
                      <Button
                        variant="ghost"
                        size="icon"
                        className="size-7"
                        aria-expanded={expanded}
                        aria-controls={`attempts-${d.id}`}
                        aria-label={`${expanded ? "Hide" : "Show"} the attempts of this delivery`}
                        data-testid="toggle-attempts"
                        onClick={() => toggle(d.id)}
                      >
                        {expanded ? (
                          <ChevronDown className="size-4" aria-hidden />
                        ) : (
                          <ChevronRight className="size-4" aria-hidden />
                        )}
                      </Button>
                    </TableCell>
                    <TableCell>
                      <div className="font-mono text-xs font-medium">{d.eventType}</div>
                      <div className="font-mono text-xs text-muted-foreground" title="webhook-id">
                        {d.eventId}
                      </div>
                    </TableCell>
                    <TableCell>
                      <DeliveryStatusBadge status={d.status} />
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{d.attempts}</TableCell>
                    <TableCell className="text-right font-mono text-xs">{d.lastStatusCode ?? "—"}</TableCell>
                    <TableCell className="text-right tabular-nums text-xs">
                      {d.lastLatencyMs === null ? "—" : `${d.lastLatencyMs} ms`}
                    </TableCell>
                    <TableCell className="text-xs text-muted-foreground">
                      {fmt.dateTime(d.createdAt)}
                    </TableCell>
                    <TableCell className="text-xs text-muted-foreground">
                      {d.status === "pending" ? fmt.dateTime(d.nextAttemptAt) : "—"}
                    </TableCell>
                    <TableCell className="text-right">
                      <ResendButton deliveryId={d.id} disabled={!endpointEnabled} />
                    </TableCell>
                  </TableRow>
                  {expanded ? (
                    <TableRow id={`attempts-${d.id}`} className="hover:bg-transparent">
                      <TableCell colSpan={COLUMNS} className="bg-muted/30">
                        <AttemptList attempts={d.attemptLog} lastError={d.lastError} />
                      </TableCell>
                    </TableRow>
                  ) : null}
                </Fragment>
              );
            })}
          </TableBody>
        </Table>
      </div>
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
