"use client";

import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { OutcomeBadge } from "@/components/webhooks/outcome-badge";
import type { TimelineEntry } from "@/lib/payments/timeline";

const ACTION_LABEL: Record<string, string> = {
  "payment.create": "Payment recorded",
  "payment.status_change": "Status changed",
  "payment.refund": "Refunded",
  "payment.refund_requested": "Refund requested from the provider",
  "payment.refund_failed": "Refund failed",
  "payment.refund_reversed": "Refund reversed",
  "payment.provider_update": "Provider state updated",
  "payment.sync": "Synced from the provider",
  "payment.dispute": "Dispute opened",
  "payment.dispute_update": "Dispute updated",
  "payment.review_decided": "Review decided",
  "payment.update": "Details edited",
  "subscription.extend": "Access extended",
  "subscription.revoke": "Access revoked",
  "subscription.reinstate": "Access reinstated",
  "webhook.event": "Provider webhook",
};

function show(value: unknown): string {
  if (value === undefined) return "—";
  if (value === null) return "null";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Everything that happened to the payment, oldest first, each change as before → after. */
export function PaymentTimeline({ entries }: { entries: TimelineEntry[] }) {
  const fmt = useFormat();
  if (entries.length === 0) {
    return <p className="text-sm text-muted-foreground">No history recorded.</p>;
  }
  return (
    <ol className="relative space-y-5 border-l pl-5" data-testid="timeline">
      {entries.map((entry) => (
        <li key={entry.id} className="relative" data-testid="timeline-entry" data-action={entry.action}>
          <span
            className="absolute top-1.5 -left-[25px] size-2.5 rounded-full border-2 border-background bg-primary"
            aria-hidden
          />
          <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5">
            <span className="text-sm font-medium">{ACTION_LABEL[entry.action] ?? entry.action}</span>
            <time className="text-xs text-muted-foreground" dateTime={fmt.iso(entry.at)}>
              {fmt.dateTime(entry.at)}
            </time>
            {entry.withheld ? (
              <span className="text-xs text-muted-foreground" data-testid="timeline-withheld">
                by another staff member or the system (details are in the audit log, for roles that may read
                it)
              </span>
            ) : (
              <span className="text-xs text-muted-foreground">
                by {entry.actorLabel}
                {entry.actorRole ? ` (${entry.actorRole})` : ""} via {entry.via}
              </span>
            )}
          </div>
          {entry.webhook ? (
            <p className="mt-1 flex flex-wrap items-center gap-2" data-testid="timeline-webhook">
              <Link
                href={`/webhooks/${entry.webhook.id}`}
                className="font-mono text-xs underline underline-offset-4 hover:no-underline"
              >
                {entry.webhook.type}
              </Link>
              <OutcomeBadge outcome={entry.webhook.outcome} />
            </p>
          ) : null}
          {entry.reason ? <p className="mt-1 text-sm">“{entry.reason}”</p> : null}
          {entry.changes.length > 0 ? (
            <dl className="mt-2 grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-3 gap-y-1 rounded-md bg-muted/50 px-3 py-2 font-mono text-xs">
              {entry.changes.map((change) => (
                <div key={change.path} className="contents">
                  <dt className="text-muted-foreground">{change.path}</dt>
                  <dd className="break-all">
                    {entry.before === null ? (
                      show(change.after)
                    ) : (
                      <>
                        <span className="text-muted-foreground line-through decoration-1">
                          {show(change.before)}
                        </span>
                        {" → "}
                        <span>{show(change.after)}</span>
                      </>
                    )}
                  </dd>
                </div>
              ))}
            </dl>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
