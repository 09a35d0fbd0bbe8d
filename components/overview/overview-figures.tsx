"use client";

import { Banknote } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useId, useMemo } from "react";
import { useFormat } from "@/components/format/format-provider";
import { STATUS_LABEL, StatusBadge } from "@/components/payments/status-badge";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { PaymentStatus } from "@/db/schema/enums";
import type {
  ActiveSubscriptions,
  CurrencyRevenue,
  MonthStatusCounts,
  OpenMatters,
  SuccessRate,
  TrialsStarted,
} from "@/lib/overview/queries";

const STATUS_ORDER = Object.keys(STATUS_LABEL) as PaymentStatus[];

/** Counts, percentages and the month's name in the reader's locale; the month is a UTC month. */
export function useOverviewFormat() {
  const fmt = useFormat();
  return useMemo(() => {
    const { locale } = fmt.prefs;
    const count = new Intl.NumberFormat(locale);
    const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
    const month = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
    return {
      ...fmt,
      count: (n: number) => count.format(n),
      percent: (ratio: number) => percent.format(ratio),
      month: (d: Date) => month.format(d),
    };
  }, [fmt]);
}

/** A card that is a labelled region, its title a heading. */
export function OverviewCard({
  title,
  description,
  action,
  className,
  children,
  testId,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
  children: ReactNode;
  testId: string;
}) {
  const id = useId();
  return (
    <Card role="region" aria-labelledby={id} className={className} data-testid={testId}>
      <CardHeader>
        <CardTitle asChild>
          <h2 id={id}>{title}</h2>
        </CardTitle>
        {description ? <CardDescription>{description}</CardDescription> : null}
        {action ? <CardAction>{action}</CardAction> : null}
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

function StatCard({
  title,
  value,
  testId,
  link,
  children,
}: {
  title: string;
  value: string;
  testId: string;
  /** Where the things counted are listed. */
  link?: { href: string; label: string };
  children: ReactNode;
}) {
  const id = useId();
  return (
    <Card role="region" aria-labelledby={id} data-testid={testId} className="gap-2">
      <CardHeader>
        <CardTitle asChild>
          <h2 id={id} className="font-medium text-muted-foreground text-sm">
            {title}
          </h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-1">
        <p className="font-semibold text-3xl tabular-nums tracking-tight" data-testid="stat-value">
          {value}
        </p>
        <p className="text-muted-foreground text-sm">{children}</p>
        {link ? (
          <p className="text-sm">
            <Link
              href={link.href}
              className="rounded-sm font-medium underline underline-offset-4 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            >
              {link.label}
            </Link>
          </p>
        ) : null}
      </CardContent>
    </Card>
  );
}

export interface OverviewFiguresProps {
  /** First instant of the UTC month the figures are for. */
  month: Date;
  revenue: CurrencyRevenue[];
  counts: MonthStatusCounts;
  rate: SuccessRate;
  subscriptions: ActiveSubscriptions;
  trials: TrialsStarted;
  /** Open disputes and pending refunds now. */
  open: OpenMatters;
}

/** This month's headline figures: success rate, access, trials, revenue per currency, statuses. */
export function OverviewFigures({
  month,
  revenue,
  counts,
  rate,
  subscriptions,
  trials,
  open,
}: OverviewFiguresProps) {
  const f = useOverviewFormat();
  const monthName = f.month(month);
  const outcomes = rate.succeeded + rate.unsuccessful;
  return (
    <div className="space-y-4">
      <div className="grid gap-4 md:grid-cols-3 xl:grid-cols-5">
        <StatCard
          title="Success rate this month"
          value={rate.rate === null ? "—" : f.percent(rate.rate)}
          testId="stat-success-rate"
        >
          {outcomes === 0
            ? `No payment created in ${monthName} has an outcome yet.`
            : `${f.count(rate.succeeded)} of ${f.count(outcomes)} payments created in ${monthName} succeeded; the others failed or were canceled. Trials and payments still pending are left out.`}
        </StatCard>
        <StatCard
          title="Active subscriptions"
          value={f.count(subscriptions.total)}
          testId="stat-active-subscriptions"
        >
          {`${f.count(subscriptions.active)} paid, ${f.count(subscriptions.trialing)} on a trial; access running now.`}
        </StatCard>
        <StatCard
          title="Trials started this month"
          value={f.count(trials.started)}
          testId="stat-trials-started"
        >
          {trials.voided > 0
            ? `Free trials that began in ${monthName}; ${f.count(trials.voided)} voided since.`
            : `Free trials that began in ${monthName}.`}
        </StatCard>
        <StatCard
          title="Open disputes"
          value={f.count(open.openDisputes)}
          testId="stat-open-disputes"
          link={open.openDisputes > 0 ? { href: "/review#open-disputes", label: "Review them" } : undefined}
        >
          Inquiries and chargebacks still open at the provider, whenever they were opened.
        </StatCard>
        <StatCard
          title="Refunds pending"
          value={f.count(open.refundsPending)}
          testId="stat-refunds-pending"
          link={
            open.refundsPending > 0
              ? { href: "/payments?flag=refund_pending", label: "See the payments" }
              : undefined
          }
        >
          Refunds the provider has not confirmed yet; they are not counted as refunded until it does.
        </StatCard>
      </div>
      <div className="grid gap-4 lg:grid-cols-5">
        <OverviewCard
          title="Revenue this month"
          className="lg:col-span-3"
          testId="overview-revenue"
          description={`Payments that succeeded in ${monthName} (UTC), per currency. Refunded is what has been refunded of those payments so far (confirmed refunds only); lost disputes are the disputes lost in ${monthName}, whichever payment they were about; net is gross less both.`}
        >
          {revenue.length === 0 ? (
            <EmptyState
              icon={Banknote}
              title="No revenue yet this month"
              description={`No payment has succeeded in ${monthName} so far.`}
            />
          ) : (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead scope="col">Currency</TableHead>
                  <TableHead scope="col" className="text-right">
                    Payments
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Gross
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Refunded
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Lost disputes
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Net
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {revenue.map((r) => (
                  <TableRow key={r.currency} data-testid="revenue-row" data-currency={r.currency}>
                    <TableCell className="font-medium">{r.currency}</TableCell>
                    <TableCell className="text-right tabular-nums">{f.count(r.payments)}</TableCell>
                    <TableCell className="text-right tabular-nums" data-testid="revenue-gross">
                      {f.money(r.grossMinor, r.currency)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums" data-testid="revenue-refunded">
                      {r.refundedMinor === 0n ? "—" : f.money(r.refundedMinor, r.currency)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums" data-testid="revenue-lost-disputes">
                      {r.lostDisputes === 0 ? (
                        "—"
                      ) : (
                        <>
                          {f.money(r.lostMinor, r.currency)}
                          <span className="block text-muted-foreground text-xs">
                            {r.lostDisputes === 1 ? "1 dispute" : `${f.count(r.lostDisputes)} disputes`}
                          </span>
                        </>
                      )}
                    </TableCell>
                    <TableCell className="text-right font-medium tabular-nums" data-testid="revenue-net">
                      {f.money(r.netMinor, r.currency)}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </OverviewCard>
        <OverviewCard
          title="Payments this month by status"
          className="lg:col-span-2"
          testId="overview-status-counts"
          description={`Payments created in ${monthName} (UTC), by the status they have now.`}
        >
          <dl className="divide-y text-sm">
            {STATUS_ORDER.map((status) => (
              <div
                key={status}
                className="flex items-center justify-between py-1.5"
                data-testid="status-count"
                data-status={status}
              >
                <dt>
                  <StatusBadge status={status} />
                </dt>
                <dd className="tabular-nums">{f.count(counts.all[status])}</dd>
              </div>
            ))}
            <div
              className="flex items-center justify-between pt-2 font-medium"
              data-testid="status-count-total"
            >
              <dt>Total</dt>
              <dd className="tabular-nums">{f.count(counts.total)}</dd>
            </div>
          </dl>
        </OverviewCard>
      </div>
    </div>
  );
}
