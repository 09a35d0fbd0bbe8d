"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useFormat } from "@/components/format/format-provider";
import { ReviewSection } from "@/components/review/review-section";
import { Badge } from "@/components/ui/badge";
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
  // Primitives, not the server's objects: a refresh hands over equal new ones, and new columns
  // would remount every cell.
  const nowMs = now.getTime();
  const { canSync, canDecide } = viewer;
  const columns = useMemo<ColumnDef<ReviewItem>[]>(
    () => [
      {
        id: "customer",
        header: "Customer",
        meta: { rowHeader: true, cellClassName: "align-top" },
        cell: ({ row }) => (
          <span className="block max-w-64 truncate" title={row.original.customerEmail}>
            {row.original.customerEmail}
          </span>
        ),
      },
      {
        id: "amount",
        header: "Amount",
        meta: { align: "right", cellClassName: "align-top" },
        cell: ({ row }) => (
          <span data-testid="review-amount">
            {fmt.money(row.original.amountMinor, row.original.currency)}
          </span>
        ),
      },
      {
        id: "provider",
        header: "Provider",
        meta: { cellClassName: "align-top" },
        cell: ({ row }) => (
          <>
            <div>{providerName(row.original.provider)}</div>
            {row.original.providerPaymentId ? (
              <div className="font-mono text-xs text-muted-foreground">{row.original.providerPaymentId}</div>
            ) : null}
          </>
        ),
      },
      {
        id: "why",
        header: "Why",
        meta: { cellClassName: "min-w-72 whitespace-normal align-top" },
        cell: ({ row }) => <span data-testid="review-reason">{row.original.reason}</span>,
      },
      {
        id: "since",
        header: "Waiting since",
        meta: { cellClassName: "align-top" },
        cell: ({ row }) => (
          <time dateTime={fmt.iso(row.original.since)} data-testid="review-since">
            <span className="block">
              {relativeTime(row.original.since, new Date(nowMs), fmt.prefs.locale)}
            </span>
            <span className="block text-xs text-muted-foreground">{fmt.dateTime(row.original.since)}</span>
          </time>
        ),
      },
      {
        id: "action",
        header: () => <span className="sr-only">Action</span>,
        meta: { cellClassName: "text-right align-top" },
        cell: ({ row }) => <ReviewAction item={row.original} viewer={{ canSync, canDecide }} />,
      },
    ],
    [fmt, nowMs, canSync, canDecide],
  );
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
        <DataTable
          labelledBy={headingId}
          framed={false}
          columns={columns}
          data={items}
          getRowId={(item) => `${item.kind}:${item.paymentId}:${item.since.toISOString()}`}
          rowAttributes={(item) => ({
            "data-testid": "review-row",
            "data-kind": item.kind,
            "data-payment-id": item.paymentId,
          })}
          empty={null}
        />
      )}
    </ReviewSection>
  );
}

/** The way to the payment's page, where the action is; says when it is for admins only. */
function ReviewAction({ item, viewer }: { item: ReviewItem; viewer: ReviewViewer }) {
  const fmt = useFormat();
  const amount = fmt.money(item.amountMinor, item.currency);
  const allowed =
    item.action === "sync" ? viewer.canSync : item.action === "decide" ? viewer.canDecide : true;
  return (
    <>
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
    </>
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
