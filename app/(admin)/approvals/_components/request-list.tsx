"use client";

import { ShieldCheck } from "lucide-react";
import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { EffectPreviewNote } from "@/components/payments/effect-preview";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import type { RequestView } from "@/lib/approvals/view";
import { DecisionButton } from "./decision-button";

const STATUS_VARIANT = {
  pending: "warning",
  approved: "success",
  rejected: "neutral",
  expired: "neutral",
  failed: "danger",
} as const;

const STATUS_LABEL = {
  pending: "Awaiting approval",
  approved: "Approved",
  rejected: "Rejected",
  expired: "Expired",
  failed: "Failed",
} as const;

export function RequestStatus({ status }: { status: RequestView["status"] }) {
  return (
    <Badge variant={STATUS_VARIANT[status]} data-testid="approval-status" data-status={status}>
      {STATUS_LABEL[status]}
    </Badge>
  );
}

/** Requests as cards: what was asked, why it was held, the preview then and now, and the decision. */
export function RequestList({
  requests,
  canDecide,
  empty,
  testId,
}: {
  requests: RequestView[];
  /** Show Approve / Reject (never on the viewer's own requests: the page passes false for those). */
  canDecide: boolean;
  empty: { title: string; description: string };
  testId: string;
}) {
  const fmt = useFormat();
  if (requests.length === 0) {
    return (
      <EmptyState
        icon={ShieldCheck}
        title={empty.title}
        description={empty.description}
        data-testid={`${testId}-empty`}
      />
    );
  }
  return (
    <ul className="space-y-3" data-testid={testId}>
      {requests.map((r) => (
        <li
          key={r.id}
          id={`request-${r.id}`}
          className="scroll-mt-20 space-y-3 rounded-lg border bg-card p-4 target:ring-2 target:ring-ring"
          data-testid="approval-request"
          data-id={r.id}
          data-status={r.status}
        >
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div className="space-y-1">
              <p className="font-medium" data-testid="approval-summary">
                {r.summary}
              </p>
              <p className="text-sm text-muted-foreground">
                Asked by {r.requestedBy}{" "}
                <time dateTime={fmt.iso(r.requestedAt)}>{fmt.dateTime(r.requestedAt)}</time>
                {r.status === "pending" ? (
                  <>
                    {" "}
                    · expires <time dateTime={fmt.iso(r.expiresAt)}>{fmt.dateTime(r.expiresAt)}</time>
                  </>
                ) : null}
              </p>
              <p className="text-sm">
                <span className="text-muted-foreground">Reason:</span> {r.reason}
              </p>
              <ul className="list-disc pl-5 text-xs text-muted-foreground">
                {r.matched.map((why) => (
                  <li key={why}>{why}</li>
                ))}
              </ul>
            </div>
            <div className="flex flex-wrap items-center gap-2">
              <RequestStatus status={r.status} />
              {canDecide && r.status === "pending" ? (
                <>
                  <DecisionButton requestId={r.id} decision="approve" summary={r.summary} />
                  <DecisionButton requestId={r.id} decision="reject" summary={r.summary} />
                </>
              ) : null}
            </div>
          </div>

          {r.status === "pending" ? (
            <div className="grid gap-2 md:grid-cols-2">
              <div className="space-y-1">
                <p className="text-xs font-medium text-muted-foreground">When it was asked</p>
                <EffectPreviewNote preview={r.askedEffect} />
              </div>
              <div className="space-y-1" data-testid="approval-current">
                <p className="text-xs font-medium text-muted-foreground">
                  Now{" "}
                  {r.changed || r.currentGone ? (
                    <Badge variant="danger" data-testid="approval-changed">
                      The state moved: approving would fail
                    </Badge>
                  ) : null}
                </p>
                {r.currentGone ? (
                  <p className="text-sm text-destructive">{r.currentGone}</p>
                ) : (
                  <EffectPreviewNote preview={r.currentEffect} />
                )}
              </div>
            </div>
          ) : (
            <div className="space-y-1 text-sm" data-testid="approval-outcome">
              {r.decidedAt ? (
                <p className="text-muted-foreground">
                  {STATUS_LABEL[r.status]}
                  {r.decidedBy ? ` by ${r.decidedBy}` : ""}{" "}
                  <time dateTime={fmt.iso(r.decidedAt)}>{fmt.dateTime(r.decidedAt)}</time>
                  {r.decisionReason ? `: ${r.decisionReason}` : ""}
                </p>
              ) : null}
              {r.failure ? <p className="text-destructive">{r.failure}</p> : null}
              {r.status === "approved" && r.paymentId ? (
                <Link
                  href={`/payments/${r.paymentId}`}
                  className="text-primary underline-offset-4 hover:underline"
                  data-testid="approval-payment-link"
                >
                  Open the payment
                </Link>
              ) : null}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
