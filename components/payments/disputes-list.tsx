"use client";

import { ShieldAlert } from "lucide-react";
import type { ReactNode } from "react";
import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { Dispute } from "@/db/schema";
import { DISPUTE_KIND_LABEL, DISPUTE_STATUS_LABEL, DISPUTE_STATUS_VARIANT, PROVIDER_LABEL } from "./labels";

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

const yesNo = (value: boolean) => (value ? "Yes" : "No");

/** The provider's disputes of the payment (inquiries and chargebacks), as last reported. */
export function DisputesList({ disputes }: { disputes: Dispute[] }) {
  const fmt = useFormat();
  if (disputes.length === 0) return null;
  return (
    <Card data-testid="payment-disputes">
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Disputes</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <ul className="divide-y">
          {disputes.map((d) => (
            <li
              key={d.id}
              className="space-y-2 py-3 first:pt-0 last:pb-0"
              data-testid="dispute"
              data-kind={d.kind}
              data-status={d.status}
            >
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{DISPUTE_KIND_LABEL[d.kind]}</span>
                <Badge
                  variant={DISPUTE_STATUS_VARIANT[d.status]}
                  data-testid="dispute-status"
                  data-status={d.status}
                >
                  {DISPUTE_STATUS_LABEL[d.status]}
                </Badge>
                <span className="tabular-nums">{fmt.money(d.amountMinor, d.currency)}</span>
              </div>
              {d.status === "lost" ? (
                <p
                  className="flex items-start gap-2 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
                  data-testid="dispute-lost"
                >
                  <ShieldAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
                  Counts as a full refund: removed from net revenue, access revoked
                </p>
              ) : d.status === "open" ? (
                <p className="text-sm text-muted-foreground">
                  Open at {PROVIDER_LABEL[d.provider]}: the payment cannot be refunded while it is open; the
                  dispute decides where the money goes.
                </p>
              ) : null}
              <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1 text-sm">
                <Detail label={`${PROVIDER_LABEL[d.provider]} status`}>
                  <span className="font-mono text-xs">{d.providerStatus}</span>
                </Detail>
                <Detail label="Reason">{d.reason ?? "—"}</Detail>
                <Detail label="Funds withdrawn">{yesNo(d.fundsWithdrawn)}</Detail>
                <Detail label="Funds reinstated">{yesNo(d.fundsReinstated)}</Detail>
                <Detail label="Opened">
                  <time dateTime={fmt.iso(d.openedAt)}>{fmt.dateTime(d.openedAt)}</time>
                </Detail>
                <Detail label="Closed">
                  {d.closedAt ? <time dateTime={fmt.iso(d.closedAt)}>{fmt.dateTime(d.closedAt)}</time> : "—"}
                </Detail>
              </dl>
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}
