"use client";

import { ChartColumn } from "lucide-react";
import { useMemo, useState } from "react";
import { useLoadedAfterPageLoad } from "@/components/lazy/use-loaded-after-page-load";
import { EmptyState } from "@/components/ui/empty-state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { formatMinor } from "@/lib/money/money";
import type { DailySeries } from "@/lib/overview/queries";
import { axisTicks } from "./axis-ticks";
import { OverviewCard, useOverviewFormat } from "./overview-figures";
import type { Point } from "./revenue-bars";

/**
 * The drawing library is the heaviest script of the app: it is fetched once the page has loaded
 * (the figures, the summary and the table for assistive technology are there before it).
 */
const loadBars = () => import("./revenue-bars").then((m) => m.RevenueBars);

/** `YYYY-MM-DD` (a UTC day) as a Date at its UTC midnight. */
const utcDay = (day: string) => new Date(`${day}T00:00:00.000Z`);

function useDayFormat() {
  const f = useOverviewFormat();
  return useMemo(() => {
    // The bins are UTC days: label them as such, not shifted into the reader's zone.
    const short = new Intl.DateTimeFormat(f.prefs.locale, {
      month: "short",
      day: "numeric",
      timeZone: "UTC",
    });
    const long = new Intl.DateTimeFormat(f.prefs.locale, { dateStyle: "medium", timeZone: "UTC" });
    return {
      short: (day: string) => short.format(utcDay(day)),
      long: (day: string) => long.format(utcDay(day)),
    };
  }, [f.prefs.locale]);
}

/** The currency most payments were in: the sensible one to show first. */
function busiest(series: DailySeries[]): string {
  return [...series].sort((a, b) => b.payments - a.payments || a.currency.localeCompare(b.currency))[0]!
    .currency;
}

function CurrencyChart({ days, series }: { days: string[]; series: DailySeries }) {
  const f = useOverviewFormat();
  const Bars = useLoadedAfterPageLoad(loadBars);
  const dayFormat = useDayFormat();
  const { currency } = series;
  const data: Point[] = days.map((day, i) => {
    const minor = series.points[i] ?? 0n;
    return { day, value: Number(minor), minor };
  });
  const compact = useMemo(
    () =>
      new Intl.NumberFormat(f.prefs.locale, {
        style: "currency",
        currency,
        notation: "compact",
        maximumFractionDigits: 1,
      }),
    [f.prefs.locale, currency],
  );
  // Intl formats the exact decimal string (no float), like formatMoney() does.
  const axisMoney = (value: number) =>
    compact.format(formatMinor(BigInt(Math.round(value)), currency) as unknown as number);
  const best = data.reduce<Point | null>((top, p) => (top === null || p.minor > top.minor ? p : top), null);
  const ticks = axisTicks(best?.minor ?? 0n);
  const first = days[0] ?? "";
  const last = days.at(-1) ?? "";
  const summary =
    `Gross succeeded revenue in ${currency} per UTC day from ${dayFormat.long(first)} to ${dayFormat.long(last)}: ` +
    `${f.money(series.totalMinor, currency)} from ${f.count(series.payments)} payments` +
    (best && best.minor > 0n
      ? `; highest on ${dayFormat.long(best.day)}, ${f.money(best.minor, currency)}.`
      : ".");

  return (
    <figure className="space-y-2" data-testid="revenue-chart" data-currency={currency}>
      <figcaption className="text-muted-foreground text-sm" data-testid="revenue-chart-summary">
        {summary}
      </figcaption>
      {/* The table below carries the same figures for assistive technology; the drawing is for the eye. */}
      <div className="h-64 w-full" aria-hidden="true">
        {Bars ? (
          <Bars
            data={data}
            ticks={ticks}
            dayShort={dayFormat.short}
            dayLong={dayFormat.long}
            axisMoney={axisMoney}
            money={(minor) => f.money(minor, currency)}
          />
        ) : (
          <div
            className="size-full animate-pulse rounded-md bg-muted/50"
            data-testid="revenue-chart-loading"
          />
        )}
      </div>
      <table className="sr-only">
        <caption>{`Gross succeeded revenue in ${currency} per UTC day`}</caption>
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            <th scope="col">Revenue</th>
          </tr>
        </thead>
        <tbody>
          {data.map((p) => (
            <tr key={p.day}>
              <th scope="row">{dayFormat.long(p.day)}</th>
              <td>{f.money(p.minor, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/**
 * Daily gross succeeded revenue over the last 30 UTC days. Currencies are never drawn on one
 * scale (a ruble and a dollar are not the same height): one chart per currency, chosen with tabs.
 */
export function RevenueChart({ days, series }: { days: string[]; series: DailySeries[] }) {
  const [currency, setCurrency] = useState(() => (series.length > 0 ? busiest(series) : ""));
  return (
    <OverviewCard
      title="Revenue, last 30 days"
      testId="overview-revenue-chart"
      description="Payments that succeeded each UTC day, gross: refunds are not taken off."
    >
      {series.length === 0 ? (
        <EmptyState
          icon={ChartColumn}
          title="No revenue in the last 30 days"
          description="Days with succeeded payments will show here."
        />
      ) : series.length === 1 ? (
        <CurrencyChart days={days} series={series[0]!} />
      ) : (
        <Tabs value={currency} onValueChange={setCurrency}>
          <TabsList aria-label="Currency">
            {series.map((s) => (
              <TabsTrigger key={s.currency} value={s.currency}>
                {s.currency}
              </TabsTrigger>
            ))}
          </TabsList>
          {series.map((s) => (
            <TabsContent key={s.currency} value={s.currency}>
              <CurrencyChart days={days} series={s} />
            </TabsContent>
          ))}
        </Tabs>
      )}
    </OverviewCard>
  );
}
