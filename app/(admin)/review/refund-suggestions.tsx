"use client";

import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { relativeTime } from "@/components/review/relative-time";
import { ReviewSection } from "@/components/review/review-section";
import { Button } from "@/components/ui/button";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
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
        <Table aria-labelledby={headingId}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">Customer</TableHead>
              <TableHead scope="col" className="text-right">
                Suggested
              </TableHead>
              <TableHead scope="col">Why</TableHead>
              <TableHead scope="col">Since</TableHead>
              <TableHead scope="col">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {suggestions.map((s) => {
              const amount = fmt.money(s.amountMinor, s.currency);
              return (
                <TableRow key={s.id} data-testid="suggestion-row" data-payment-id={s.paymentId}>
                  <th scope="row" className="px-3 py-2 text-left align-top font-normal">
                    <Link
                      href={`/customers/${s.customerId}`}
                      className={s.erased ? "text-muted-foreground italic" : undefined}
                    >
                      {s.customerLabel}
                    </Link>
                  </th>
                  <TableCell className="text-right align-top tabular-nums" data-testid="suggestion-amount">
                    <div>{amount}</div>
                    {s.refundableMinor < s.amountMinor ? (
                      <div className="text-xs text-muted-foreground">
                        only {fmt.money(s.refundableMinor, s.currency)} left to refund
                      </div>
                    ) : null}
                  </TableCell>
                  <TableCell className="min-w-64 whitespace-normal align-top" data-testid="suggestion-reason">
                    {s.reason}
                  </TableCell>
                  <TableCell className="align-top">
                    <time dateTime={fmt.iso(s.since)}>
                      <span className="block">{relativeTime(s.since, now, fmt.prefs.locale)}</span>
                      <span className="block text-xs text-muted-foreground">{fmt.dateTime(s.since)}</span>
                    </time>
                  </TableCell>
                  <TableCell className="space-y-1 text-right align-top">
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
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </ReviewSection>
  );
}
