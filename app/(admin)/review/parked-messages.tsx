"use client";

import { useFormat } from "@/components/format/format-provider";
import { relativeTime } from "@/components/review/relative-time";
import { ReviewSection } from "@/components/review/review-section";
import { Button } from "@/components/ui/button";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
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
        <Table aria-labelledby={headingId}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">Subject</TableHead>
              <TableHead scope="col">Received</TableHead>
              <TableHead scope="col">Why</TableHead>
              <TableHead scope="col">Message</TableHead>
              <TableHead scope="col">
                <span className="sr-only">Action</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {messages.map((m) => (
              <TableRow key={m.id} data-testid="parked-row" data-message-id={m.messageId}>
                <th scope="row" className="px-3 py-2 text-left align-top font-normal">
                  <div className="font-mono text-xs">{m.subject}</div>
                  <div className="font-mono text-xs text-muted-foreground">{m.messageId}</div>
                </th>
                <TableCell className="align-top">
                  <time dateTime={fmt.iso(m.receivedAt)}>
                    <span className="block">{relativeTime(m.receivedAt, now, fmt.prefs.locale)}</span>
                    <span className="block text-xs text-muted-foreground">{fmt.dateTime(m.receivedAt)}</span>
                  </time>
                </TableCell>
                <TableCell className="min-w-64 whitespace-normal align-top" data-testid="parked-reason">
                  {m.reason}
                </TableCell>
                <TableCell className="max-w-80 align-top">
                  <code className="block truncate font-mono text-xs" title={m.excerpt}>
                    {m.excerpt || "(empty)"}
                  </code>
                </TableCell>
                <TableCell className="text-right align-top">
                  {canRetry && m.retryable ? (
                    <ReasonDialog
                      trigger={
                        <Button size="sm" variant="outline" data-testid="parked-retry">
                          Retry
                        </Button>
                      }
                      title="Retry this message?"
                      description={
                        <p>
                          Paydesk handles it again as if it had just arrived: if it names a customer now,
                          their subscriptions are canceled and their personal data erased, as you. Your reason
                          goes into the audit log.
                        </p>
                      }
                      confirmLabel="Retry"
                      pendingLabel="Retrying…"
                      destructive
                      submit={(reason) => retryParkedAction({ inboundId: m.id, reason })}
                      onDone={(data) =>
                        data.outcome === "processed"
                          ? toast.success(
                              data.alreadyErased
                                ? "Handled: the customer was erased already"
                                : "Handled: customer erased",
                            )
                          : toast.warning(`Still parked: ${data.reason ?? ""}`)
                      }
                    />
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </ReviewSection>
  );
}
