"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useFormat } from "@/components/format/format-provider";
import { relativeTime } from "@/components/review/relative-time";
import { ReviewSection } from "@/components/review/review-section";
import { Button } from "@/components/ui/button";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { toast } from "@/components/ui/toast";
import { formatMinor } from "@/lib/money/money";
import type { RefundSuggestionItem } from "@/lib/review/suggestions";
import { dismissSuggestionAction } from "./actions";

const linkClass =
  "rounded-sm font-medium underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

/**
 * Money Paydesk suggests giving back (a deleted user's unused paid time). Nothing leaves by
 * itself: an admin refunds it on the payment's page, or dismisses the suggestion with a reason.
 */
export function RefundSuggestions({
  suggestions,
  now,
  canResolve,
  canRefund,
}: {
  suggestions: RefundSuggestionItem[];
  now: Date;
  /** `review.resolve`: dismiss. */
  canResolve: boolean;
  /** `payment.refund`: the refund itself happens on the payment's page. */
  canRefund: boolean;
}) {
  const fmt = useFormat();
  // A primitive, not the server's Date: a refresh hands over an equal new one, and new columns
  // would remount every cell (and close a dismiss dialog being filled in).
  const nowMs = now.getTime();
  const columns = useMemo<ColumnDef<RefundSuggestionItem>[]>(
    () => [
      {
        id: "customer",
        header: "Customer",
        meta: { rowHeader: true, cellClassName: "align-top" },
        cell: ({ row }) => (
          <Link
            href={`/customers/${row.original.customerId}`}
            className={row.original.erased ? "text-muted-foreground italic" : undefined}
          >
            {row.original.customerLabel}
          </Link>
        ),
      },
      {
        id: "suggested",
        header: "Suggested",
        meta: { align: "right", cellClassName: "align-top" },
        cell: ({ row }) => {
          const s = row.original;
          return (
            <div data-testid="suggestion-amount">
              <div>{fmt.money(s.amountMinor, s.currency)}</div>
              {s.refundableMinor < s.amountMinor ? (
                <div className="text-xs text-muted-foreground">
                  only {fmt.money(s.refundableMinor, s.currency)} left to refund
                </div>
              ) : null}
            </div>
          );
        },
      },
      {
        id: "why",
        header: "Why",
        meta: { cellClassName: "min-w-64 whitespace-normal align-top" },
        cell: ({ row }) => <span data-testid="suggestion-reason">{row.original.reason}</span>,
      },
      {
        id: "since",
        header: "Since",
        meta: { cellClassName: "align-top" },
        cell: ({ row }) => (
          <time dateTime={fmt.iso(row.original.since)}>
            <span className="block">
              {relativeTime(row.original.since, new Date(nowMs), fmt.prefs.locale)}
            </span>
            <span className="block text-xs text-muted-foreground">{fmt.dateTime(row.original.since)}</span>
          </time>
        ),
      },
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        meta: { cellClassName: "space-y-1 text-right align-top" },
        cell: ({ row }) => (
          <SuggestionActions suggestion={row.original} canResolve={canResolve} canRefund={canRefund} />
        ),
      },
    ],
    [fmt, nowMs, canResolve, canRefund],
  );
  return (
    <ReviewSection
      anchor="refund-suggestions"
      kind="refund_suggestion"
      title="Suggested refunds"
      description="The unused part of paid periods that ended early (a user deleted in the accounts system), rounded down. Nothing was refunded: refund it on the payment's page, or dismiss it with a reason. A refund of at least the suggested amount settles it."
      empty="No refunds suggested"
      count={suggestions.length}
    >
      {(headingId) => (
        <DataTable
          labelledBy={headingId}
          framed={false}
          columns={columns}
          data={suggestions}
          getRowId={(s) => s.id}
          rowAttributes={(s) => ({ "data-testid": "suggestion-row", "data-payment-id": s.paymentId })}
          empty={null}
        />
      )}
    </ReviewSection>
  );
}

/** Refund on the payment's page (prefilled), or dismiss with a reason. */
function SuggestionActions({
  suggestion: s,
  canResolve,
  canRefund,
}: {
  suggestion: RefundSuggestionItem;
  canResolve: boolean;
  canRefund: boolean;
}) {
  const fmt = useFormat();
  const amount = fmt.money(s.amountMinor, s.currency);
  return (
    <>
      <Link
        href={
          canRefund
            ? `/payments/${s.paymentId}?refund=${encodeURIComponent(formatMinor(s.amountMinor, s.currency))}`
            : `/payments/${s.paymentId}`
        }
        className={linkClass}
        data-testid="suggestion-refund"
      >
        {canRefund ? "Refund" : "Open payment"}
        <span className="sr-only">{` ${amount} on the payment's page`}</span>
      </Link>
      {canRefund ? (
        <span className="block text-xs text-muted-foreground">
          suggested {formatMinor(s.amountMinor, s.currency)}
        </span>
      ) : null}
      {canResolve ? (
        <ReasonDialog
          trigger={
            <Button size="sm" variant="outline" data-testid="suggestion-dismiss">
              Dismiss
            </Button>
          }
          title="Dismiss this suggestion?"
          description={
            <p>
              {`${amount} will not be offered back to ${s.customerLabel}. Nothing is refunded; your reason goes into the audit log.`}
            </p>
          }
          confirmLabel="Dismiss"
          pendingLabel="Dismissing…"
          submit={(reason) => dismissSuggestionAction({ suggestionId: s.id, reason })}
          onDone={() => toast.success("Suggestion dismissed")}
        />
      ) : (
        <span className="block text-xs text-muted-foreground">Admins decide</span>
      )}
    </>
  );
}
