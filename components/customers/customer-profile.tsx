"use client";

import { CalendarClock } from "lucide-react";
import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { StatusBadge } from "@/components/payments/status-badge";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { DescriptionItem, DescriptionList } from "@/components/ui/description-list";
import { EmptyState } from "@/components/ui/empty-state";
import {
  Table,
  TableBody,
  TableCell,
  TableFooter,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import type { Customer } from "@/db/schema";
import type { ProfileSubscription } from "@/lib/customers/profile";
import { cn } from "@/lib/utils";
import { CopyId } from "./copy-id";
import { SubscriptionStatusBadge } from "./subscription-status";

export function CustomerDetails({ customer }: { customer: Customer }) {
  const fmt = useFormat();
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Profile</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <DescriptionList layout="stacked" columns={3} data-testid="customer-profile">
          <DescriptionItem label="Name">{customer.name}</DescriptionItem>
          <DescriptionItem label="Email">
            <span className="break-all">{customer.email}</span>
          </DescriptionItem>
          <DescriptionItem label="Customer id">
            <CopyId
              id={customer.id}
              label="Copy customer id"
              testId="customer-id"
              className="whitespace-nowrap"
            />
          </DescriptionItem>
          <DescriptionItem label="External reference">
            {customer.externalRef ? <span className="font-mono text-xs">{customer.externalRef}</span> : null}
          </DescriptionItem>
          <DescriptionItem label="Created">
            <time dateTime={fmt.iso(customer.createdAt)}>{fmt.dateTime(customer.createdAt)}</time>
          </DescriptionItem>
        </DescriptionList>
      </CardContent>
    </Card>
  );
}

export function CustomerSubscriptions({ subscriptions }: { subscriptions: ProfileSubscription[] }) {
  return (
    <section aria-labelledby="subscriptions-heading" className="space-y-3">
      <div>
        <h2 id="subscriptions-heading" className="text-base font-semibold">
          Subscriptions
        </h2>
        <p className="text-sm text-muted-foreground">
          Each grant that counts adds its days (24 hours each) from whichever is later: the moment it was
          granted, or the end of the grants before it. A revoked grant adds nothing, and the grants after it
          move up. The end of the last grant that counts is the date the access is valid until.
        </p>
      </div>
      {subscriptions.length === 0 ? (
        <EmptyState
          icon={CalendarClock}
          title="No subscriptions yet"
          description="A succeeded payment or a trial for a plan starts one."
        />
      ) : (
        subscriptions.map((s) => <SubscriptionCard key={s.id} subscription={s} />)
      )}
    </section>
  );
}

function SubscriptionCard({ subscription: s }: { subscription: ProfileSubscription }) {
  const fmt = useFormat();
  const headingId = `subscription-${s.plan.code}`;
  const mismatch = s.explainedEnd !== null && s.explainedEnd.getTime() !== s.currentPeriodEnd.getTime();
  return (
    <Card aria-labelledby={headingId} role="region" data-testid="subscription" data-plan={s.plan.code}>
      <CardHeader>
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <CardTitle asChild className="text-base">
            <h3 id={headingId}>{s.plan.name}</h3>
          </CardTitle>
          <SubscriptionStatusBadge status={s.status} />
          <p className="text-sm">
            <span className="text-muted-foreground">
              {s.status === "expired" ? "Ended " : "Valid until "}
            </span>
            <time className="font-medium" dateTime={fmt.iso(s.currentPeriodEnd)} data-testid="valid-until">
              {fmt.dateTime(s.currentPeriodEnd)}
            </time>
          </p>
        </div>
      </CardHeader>
      <CardContent className="px-0">
        <GrantsLedger subscription={s} />
        {mismatch ? (
          <p role="alert" className="mx-5 mt-3 text-sm text-destructive">
            The stored end date differs from what the grants explain ({fmt.dateTime(s.explainedEnd)}).
          </p>
        ) : null}
      </CardContent>
    </Card>
  );
}

function GrantsLedger({ subscription: s }: { subscription: ProfileSubscription }) {
  const fmt = useFormat();
  const when = (d: Date) => <time dateTime={fmt.iso(d)}>{fmt.dateTime(d)}</time>;
  return (
    <Table
      aria-label={`Grants ledger: ${s.plan.name}`}
      data-testid="grants-ledger"
      data-plan={s.plan.code}
      containerProps={{ className: "border-t" }}
    >
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead className="w-10 pl-5">#</TableHead>
          <TableHead>Payment</TableHead>
          <TableHead>Type</TableHead>
          <TableHead className="text-right">Days</TableHead>
          <TableHead>Granted</TableHead>
          <TableHead>Period it counts for</TableHead>
          <TableHead className="pr-5">State</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {s.ledger.map(({ grant, counted }, index) => {
          const moved =
            counted !== null &&
            (counted.start.getTime() !== grant.periodStart.getTime() ||
              counted.end.getTime() !== grant.periodEnd.getTime());
          return (
            <TableRow
              key={grant.id}
              data-testid="grant-row"
              data-payment-id={grant.paymentId}
              data-revoked={grant.revokedAt ? "true" : "false"}
              className={cn(grant.revokedAt && "text-muted-foreground")}
            >
              <TableCell className="pl-5 tabular-nums">{index + 1}</TableCell>
              <TableCell>
                <Link
                  href={`/payments/${grant.paymentId}`}
                  className="rounded-sm font-mono text-xs underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                  aria-label={`Payment ${grant.paymentId}`}
                >
                  {grant.paymentId.slice(0, 8)}
                </Link>
                {grant.payment ? (
                  <div className="mt-1 flex flex-wrap items-center gap-1.5">
                    <span className="whitespace-nowrap tabular-nums">
                      {fmt.money(grant.payment.amountMinor, grant.payment.currency)}
                    </span>
                    <StatusBadge status={grant.payment.status} />
                  </div>
                ) : null}
              </TableCell>
              <TableCell>{grant.isTrial ? "Trial" : "Paid"}</TableCell>
              <TableCell className="text-right tabular-nums">+{grant.days}</TableCell>
              <TableCell className="whitespace-nowrap">{when(grant.grantedAt)}</TableCell>
              <TableCell>
                {counted ? (
                  <>
                    <div className="whitespace-nowrap">
                      {when(counted.start)} → {when(counted.end)}
                    </div>
                    <div className="text-xs text-muted-foreground">
                      {counted.from === "previous_end"
                        ? "from the end of the grant before"
                        : "from when it was granted"}
                      {moved ? (
                        <>
                          {"; granted as "}
                          {fmt.dateTime(grant.periodStart)} → {fmt.dateTime(grant.periodEnd)}
                        </>
                      ) : null}
                    </div>
                  </>
                ) : (
                  <>
                    <div className="whitespace-nowrap line-through">
                      {when(grant.periodStart)} → {when(grant.periodEnd)}
                    </div>
                    <div className="text-xs">adds nothing</div>
                  </>
                )}
              </TableCell>
              <TableCell className="pr-5">
                {grant.revokedAt ? (
                  <div className="space-y-0.5">
                    <Badge variant="danger">Revoked</Badge>
                    <div className="whitespace-nowrap text-xs">{when(grant.revokedAt)}</div>
                    {grant.revokeReason ? (
                      <div className="max-w-56 whitespace-normal text-xs">“{grant.revokeReason}”</div>
                    ) : null}
                  </div>
                ) : (
                  <Badge variant="success">Counts</Badge>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
      <TableFooter>
        <TableRow className="hover:bg-transparent">
          <TableCell colSpan={7} className="px-5" data-testid="ledger-result">
            {s.explainedEnd ? (
              <>
                {s.status === "expired" ? "Ended" : "Valid until"}{" "}
                <span className="font-medium">{when(s.explainedEnd)}</span>: the end of the last grant that
                counts.
              </>
            ) : (
              <>
                No grant counts any more: access ended{" "}
                <span className="font-medium">{when(s.currentPeriodEnd)}</span>, when the last one was
                revoked.
              </>
            )}
          </TableCell>
        </TableRow>
      </TableFooter>
    </Table>
  );
}
