"use client";

import { Hourglass } from "lucide-react";
import type { ReactNode } from "react";
import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { Refund } from "@/db/schema";
import type { PaymentProvider } from "@/db/schema/enums";
import { refundAccessEffects } from "@/lib/payments/refund-access";
import { PROVIDER_LABEL, pendingRefundWarning, REFUND_STATUS_LABEL, REFUND_STATUS_VARIANT } from "./labels";

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

/** Every refund of the payment, as its provider last reported it. */
export function RefundsList({
  refunds,
  provider,
  payment,
}: {
  refunds: Refund[];
  provider: PaymentProvider;
  /** To tell whether a refund completes (or would complete) the total, taking access away. */
  payment: { amountMinor: bigint; refundedMinor: bigint; status: string };
}) {
  const access = refundAccessEffects(payment, refunds);
  const fmt = useFormat();
  if (refunds.length === 0) return null;
  const waiting = refunds.filter((r) => r.status === "pending");
  const name = PROVIDER_LABEL[provider];
  return (
    <Card data-testid="payment-refunds">
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Refunds</h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        {waiting.length > 0 ? (
          <div
            role="status"
            className="flex items-start gap-2 rounded-md border border-warning-soft-foreground/30 bg-warning-soft px-3 py-2 text-sm text-warning-soft-foreground"
            data-testid="refund-pending-warning"
          >
            <Hourglass className="mt-0.5 size-4 shrink-0" aria-hidden />
            <div>
              <p className="font-medium">{pendingRefundWarning(provider)}.</p>
              <p>
                {fmt.money(
                  waiting.reduce((sum, r) => sum + r.amountMinor, 0n),
                  waiting[0]?.currency ?? "",
                )}{" "}
                is not counted until {name} confirms it. Paydesk settles it from {name}'s answer (Sync, or the
                reconciler); a retry reuses its key, so it can never be paid twice.
              </p>
            </div>
          </div>
        ) : null}
        <ul className="divide-y">
          {refunds.map((r) => (
            <li
              key={r.id}
              className="space-y-2 py-3 first:pt-0 last:pb-0"
              data-testid="refund"
              data-status={r.status}
            >
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium tabular-nums">{fmt.money(r.amountMinor, r.currency)}</span>
                <Badge
                  variant={REFUND_STATUS_VARIANT[r.status]}
                  data-testid="refund-status"
                  data-status={r.status}
                >
                  {REFUND_STATUS_LABEL[r.status]}
                </Badge>
                {r.keepAccess ? <Badge variant="info">Access kept (compensation)</Badge> : null}
                {access.get(r.id) === "revoked" ? <Badge variant="neutral">Access revoked</Badge> : null}
                {access.get(r.id) === "revokes_once_confirmed" ? (
                  <Badge variant="neutral">Revokes access once confirmed</Badge>
                ) : null}
              </div>
              {r.reason ? <p className="text-sm">“{r.reason}”</p> : null}
              <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1 text-sm">
                {r.providerRefundId ? (
                  <Detail label={`${PROVIDER_LABEL[r.provider]} refund id`}>
                    <span className="font-mono text-xs">{r.providerRefundId}</span>
                  </Detail>
                ) : null}
                {r.providerStatus ? (
                  <Detail label={`${PROVIDER_LABEL[r.provider]} status`}>
                    <span className="font-mono text-xs">{r.providerStatus}</span>
                  </Detail>
                ) : null}
                {r.failureReason ? (
                  <Detail label="Failure reason">
                    <span className="text-destructive" data-testid="refund-failure">
                      {r.failureReason}
                    </span>
                  </Detail>
                ) : null}
                {r.bankReference ? (
                  <Detail label="Bank reference">
                    <span className="font-mono text-xs">{r.bankReference}</span>
                  </Detail>
                ) : null}
                <Detail label="Requested">
                  <time dateTime={fmt.iso(r.createdAt)}>{fmt.dateTime(r.createdAt)}</time>
                  <span className="text-muted-foreground"> by {r.actor}</span>
                </Detail>
                {r.settledAt ? (
                  <Detail label={r.status === "failed" ? "Failed" : "Settled"}>
                    <time dateTime={fmt.iso(r.settledAt)}>{fmt.dateTime(r.settledAt)}</time>
                  </Detail>
                ) : null}
              </dl>
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
