"use client";

import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { Payment, SubscriptionGrant } from "@/db/schema";
import type { SubscriptionStatus } from "@/db/schema/enums";
import { KIND_LABEL, METHOD_LABEL, PROVIDER_LABEL } from "./labels";

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-[10rem_1fr] gap-3 py-2 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function PaymentSummary({
  payment,
  customer,
  plan,
  grant,
}: {
  payment: Payment;
  customer: { id: string; email: string; name: string };
  plan: { code: string; name: string } | null;
  grant: SubscriptionGrant | null;
}) {
  const fmt = useFormat();
  const remaining = payment.amountMinor - payment.refundedMinor;
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Summary</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="divide-y">
          <Row label="Amount" testId="payment-amount">
            <span className="font-medium tabular-nums">
              {fmt.money(payment.amountMinor, payment.currency)}
            </span>
            {payment.refundedMinor > 0n ? (
              <span className="text-muted-foreground">
                {" "}
                · refunded {fmt.money(payment.refundedMinor, payment.currency)} · left{" "}
                {fmt.money(remaining, payment.currency)}
              </span>
            ) : null}
          </Row>
          <Row label="Customer">
            {customer.name} <span className="text-muted-foreground">· {customer.email}</span>
          </Row>
          <Row label="Plan">{plan?.name ?? "—"}</Row>
          <Row label="Kind">{KIND_LABEL[payment.kind]}</Row>
          <Row label="Provider">
            {PROVIDER_LABEL[payment.provider]}
            {payment.providerPaymentId ? (
              <span className="font-mono text-xs text-muted-foreground"> · {payment.providerPaymentId}</span>
            ) : null}
          </Row>
          <Row label="Method">{payment.method ? METHOD_LABEL[payment.method] : "—"}</Row>
          <Row label="Description">{payment.description ?? "—"}</Row>
          <Row label="Created">
            <time dateTime={fmt.iso(payment.createdAt)}>{fmt.dateTime(payment.createdAt)}</time>
            <span className="text-muted-foreground"> by {payment.createdBy}</span>
          </Row>
          {payment.succeededAt ? (
            <Row label="Succeeded">
              <time dateTime={fmt.iso(payment.succeededAt)}>{fmt.dateTime(payment.succeededAt)}</time>
            </Row>
          ) : null}
          <Row label="Access granted" testId="payment-grant">
            {grant ? (
              <>
                {grant.days} days, {fmt.date(grant.periodStart)} – {fmt.date(grant.periodEnd)}
                {grant.revokedAt ? (
                  <Badge variant="neutral" className="ml-2">
                    revoked {fmt.date(grant.revokedAt)}
                  </Badge>
                ) : null}
              </>
            ) : (
              "—"
            )}
          </Row>
          {Object.keys(payment.metadata).length > 0 ? (
            <Row label="Metadata">
              <pre className="overflow-x-auto rounded bg-muted/50 p-2 font-mono text-xs">
                {JSON.stringify(payment.metadata, null, 2)}
              </pre>
            </Row>
          ) : null}
          <Row label="Payment id">
            <span className="font-mono text-xs">{payment.id}</span>
          </Row>
          {payment.idempotencyKey ? (
            <Row label="Idempotency key">
              <span className="font-mono text-xs">{payment.idempotencyKey}</span>
            </Row>
          ) : null}
        </dl>
      </CardContent>
    </Card>
  );
}

const SUB_VARIANT: Record<SubscriptionStatus, "success" | "info" | "warning" | "neutral" | "danger"> = {
  active: "success",
  trialing: "info",
  past_due: "warning",
  canceled: "neutral",
  expired: "danger",
};

export function SubscriptionAccess({
  planName,
  subscription,
}: {
  planName: string | null;
  subscription: { status: SubscriptionStatus; currentPeriodEnd: Date | null } | null;
}) {
  const fmt = useFormat();
  return (
    <Card className="h-fit">
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Customer's access</h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-2 text-sm">
        {!planName ? (
          <p className="text-muted-foreground">This payment is not for a plan.</p>
        ) : !subscription ? (
          <p className="text-muted-foreground" data-testid="subscription-status">
            No {planName} subscription yet.
          </p>
        ) : (
          <>
            <div className="flex items-center justify-between">
              <span>{planName}</span>
              <Badge variant={SUB_VARIANT[subscription.status]} data-testid="subscription-status">
                {subscription.status}
              </Badge>
            </div>
            <p>
              <span className="text-muted-foreground">
                {subscription.status === "expired" || subscription.status === "canceled"
                  ? "Ended "
                  : "Valid until "}
              </span>
              <time
                className="font-medium"
                data-testid="valid-until"
                dateTime={subscription.currentPeriodEnd ? fmt.iso(subscription.currentPeriodEnd) : undefined}
              >
                {fmt.date(subscription.currentPeriodEnd)}
              </time>
            </p>
          </>
        )}
      </CardContent>
    </Card>
  );
}
