"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useFormat } from "@/components/format/format-provider";
import { relativeTime } from "@/components/review/relative-time";
import { ReviewSection } from "@/components/review/review-section";
import { Button } from "@/components/ui/button";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { toast } from "@/components/ui/toast";
import type { ParkedMessageItem } from "@/lib/review/parked";
import { retryParkedAction } from "./actions";

/**
 * Messages from other systems Paydesk could not handle (unreadable, or naming no customer),
 * kept with the reason. They were acknowledged so they never block the ones behind them.
 */
export function ParkedMessages({
  messages,
  now,
  canRetry,
}: {
  messages: ParkedMessageItem[];
  now: Date;
  /** `review.resolve` (with `inbound.view`, which showing this at all required). */
  canRetry: boolean;
}) {
  const fmt = useFormat();
  // A primitive, not the server's Date: a refresh hands over an equal new one, and new columns
  // would remount every cell (and close a retry dialog being filled in).
  const nowMs = now.getTime();
  const columns = useMemo<ColumnDef<ParkedMessageItem>[]>(
    () => [
      {
        id: "subject",
        header: "Subject",
        meta: { rowHeader: true, cellClassName: "align-top" },
        cell: ({ row }) => (
          <>
            <div className="font-mono text-xs">{row.original.subject}</div>
            <div className="font-mono text-xs text-muted-foreground">{row.original.messageId}</div>
          </>
        ),
      },
      {
        id: "received",
        header: "Received",
        meta: { cellClassName: "align-top" },
        cell: ({ row }) => (
          <time dateTime={fmt.iso(row.original.receivedAt)}>
            <span className="block">
              {relativeTime(row.original.receivedAt, new Date(nowMs), fmt.prefs.locale)}
            </span>
            <span className="block text-xs text-muted-foreground">
              {fmt.dateTime(row.original.receivedAt)}
            </span>
          </time>
        ),
      },
      {
        id: "why",
        header: "Why",
        meta: { cellClassName: "min-w-64 whitespace-normal align-top" },
        cell: ({ row }) => <span data-testid="parked-reason">{row.original.reason}</span>,
      },
      {
        id: "message",
        header: "Message",
        meta: { cellClassName: "max-w-80 align-top" },
        cell: ({ row }) => (
          <code className="block truncate font-mono text-xs" title={row.original.excerpt}>
            {row.original.excerpt || "(empty)"}
          </code>
        ),
      },
      {
        id: "action",
        header: () => <span className="sr-only">Action</span>,
        meta: { cellClassName: "text-right align-top" },
        cell: ({ row }) =>
          canRetry && row.original.retryable ? <RetryButton message={row.original} /> : null,
      },
    ],
    [fmt, nowMs, canRetry],
  );
  return (
    <ReviewSection
      anchor="parked-messages"
      kind="parked_message"
      title="Parked messages"
      description="Messages from the accounts system (user deleted) that could not be handled. Retry runs one again on what was stored, e.g. once the customer it names exists."
      empty="Nothing parked"
      count={messages.length}
    >
      {(headingId) => (
        <DataTable
          labelledBy={headingId}
          framed={false}
          columns={columns}
          data={messages}
          getRowId={(m) => m.id}
          rowAttributes={(m) => ({ "data-testid": "parked-row", "data-message-id": m.messageId })}
          empty={null}
        />
      )}
    </ReviewSection>
  );
}

function RetryButton({ message }: { message: ParkedMessageItem }) {
  return (
    <ReasonDialog
      trigger={
        <Button size="sm" variant="outline" data-testid="parked-retry">
          Retry
        </Button>
      }
      title="Retry this message?"
      description={
        <p>
          Paydesk handles it again as if it had just arrived: if it names a customer now, their subscriptions
          are canceled and their personal data erased, as you. Your reason goes into the audit log.
        </p>
      }
      confirmLabel="Retry"
      pendingLabel="Retrying…"
      destructive
      submit={(reason) => retryParkedAction({ inboundId: message.id, reason })}
      onDone={(data) =>
        data.outcome === "processed"
          ? toast.success(
              data.alreadyErased ? "Handled: the customer was erased already" : "Handled: customer erased",
            )
          : toast.warning(`Still parked: ${data.reason ?? ""}`)
      }
    />
  );
}
