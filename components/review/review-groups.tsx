"use client";

import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { ReviewSection } from "@/components/review/review-section";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { ReviewItem, ReviewKind } from "@/lib/review/list";
import { actionLabel, providerName, REVIEW_GROUPS } from "./labels";
import { relativeTime } from "./relative-time";

/** What the viewer may do from a payment's page (the permission map, decided on the server). */
export interface ReviewViewer {
  /** `payment.sync`: Sync. */
  canSync: boolean;
  /** `review.resolve`: grant or dismiss a held payment. */
  canDecide: boolean;
}

const linkClass =
  "rounded-sm font-medium underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** A section of /review beyond the payment groups (refund suggestions, parked messages). */
export interface ReviewSummaryEntry {
  anchor: string;
  kind: string;
  title: string;
  count: number;
}

/** The list of groups with their counts: a table of contents that jumps to each section. */
export function ReviewSummary({ items, more = [] }: { items: ReviewItem[]; more?: ReviewSummaryEntry[] }) {
  const count = countByKind(items);
  const entries: ReviewSummaryEntry[] = [
    ...REVIEW_GROUPS.map((group) => ({ ...group, count: count[group.kind] })),
    ...more,
  ];
  return (
    <nav aria-label="Review sections" data-testid="review-summary">
      <ul className="flex flex-wrap gap-2">
        {entries.map((entry) => (
          <li key={entry.kind}>
            <a
              href={`#${entry.anchor}`}
              className="inline-flex items-center gap-2 rounded-md border px-3 py-1.5 text-sm hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
              data-testid="review-summary-link"
              data-kind={entry.kind}
            >
              {entry.title}
              <Badge variant={entry.count > 0 ? "warning" : "neutral"}>{entry.count}</Badge>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** One section per kind, in a fixed order, each a table of its items or an empty state. */
export function ReviewGroups({
  items,
  now,
  viewer,
}: {
  items: ReviewItem[];
  /** The page's clock, for "2 hours ago". */
  now: Date;
  viewer: ReviewViewer;
}) {
  return (
    <div className="space-y-8">
      {REVIEW_GROUPS.map((group) => (
        <ReviewGroup
          key={group.kind}
          group={group}
          items={items.filter((item) => item.kind === group.kind)}
          now={now}
          viewer={viewer}
        />
      ))}
    </div>
  );
}

function ReviewGroup({
  group,
  items,
  now,
  viewer,
}: {
  group: (typeof REVIEW_GROUPS)[number];
  items: ReviewItem[];
  now: Date;
  viewer: ReviewViewer;
}) {
  const fmt = useFormat();
  return (
    <ReviewSection
      anchor={group.anchor}
      kind={group.kind}
      title={group.title}
      description={group.description}
      empty={group.empty}
      count={items.length}
    >
      {(headingId) => (
        <Table aria-labelledby={headingId}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">Customer</TableHead>
              <TableHead scope="col" className="text-right">
                Amount
              </TableHead>
              <TableHead scope="col">Provider</TableHead>
              <TableHead scope="col">Why</TableHead>
              <TableHead scope="col">Waiting since</TableHead>
              <TableHead scope="col">
                <span className="sr-only">Action</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => (
              <ReviewRow
                key={`${item.kind}:${item.paymentId}:${item.since.toString()}`}
                item={item}
                now={now}
                viewer={viewer}
                fmt={fmt}
              />
            ))}
          </TableBody>
        </Table>
      )}
    </ReviewSection>
  );
}

function ReviewRow({
  item,
  now,
  viewer,
  fmt,
}: {
  item: ReviewItem;
  now: Date;
  viewer: ReviewViewer;
  fmt: ReturnType<typeof useFormat>;
}) {
  const amount = fmt.money(item.amountMinor, item.currency);
  const allowed =
    item.action === "sync" ? viewer.canSync : item.action === "decide" ? viewer.canDecide : true;
  return (
    <TableRow data-testid="review-row" data-kind={item.kind} data-payment-id={item.paymentId}>
      <th scope="row" className="px-3 py-2 text-left align-top font-normal">
        <span className="block max-w-64 truncate" title={item.customerEmail}>
          {item.customerEmail}
        </span>
      </th>
      <TableCell className="text-right align-top tabular-nums" data-testid="review-amount">
        {amount}
      </TableCell>
      <TableCell className="align-top">
        <div>{providerName(item.provider)}</div>
        {item.providerPaymentId ? (
          <div className="font-mono text-xs text-muted-foreground">{item.providerPaymentId}</div>
        ) : null}
      </TableCell>
      <TableCell className="min-w-72 whitespace-normal align-top" data-testid="review-reason">
        {item.reason}
      </TableCell>
      <TableCell className="align-top">
        <time dateTime={fmt.iso(item.since)} data-testid="review-since">
          <span className="block">{relativeTime(item.since, now, fmt.prefs.locale)}</span>
          <span className="block text-xs text-muted-foreground">{fmt.dateTime(item.since)}</span>
        </time>
      </TableCell>
      <TableCell className="text-right align-top">
        <Link
          href={`/payments/${item.paymentId}`}
          className={linkClass}
          data-testid="review-action"
          data-action={item.action}
        >
          {actionLabel(item)}
          <span className="sr-only">{`: payment of ${amount} by ${item.customerEmail}`}</span>
        </Link>
        {allowed ? null : <span className="block text-xs text-muted-foreground">Admins only</span>}
      </TableCell>
    </TableRow>
  );
}

function countByKind(items: ReviewItem[]): Record<ReviewKind, number> {
  const out: Record<ReviewKind, number> = {
    stuck_payment: 0,
    held_for_review: 0,
    open_dispute: 0,
    pending_refund: 0,
  };
  for (const item of items) out[item.kind]++;
  return out;
}
