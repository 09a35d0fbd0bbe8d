"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface Point {
  day: string;
  /** Minor units as a number, for the chart's geometry only; labels format `minor`. */
  value: number;
  minor: bigint;
}

/** The drawing of one currency's daily revenue: loaded after the page (revenue-chart.tsx). */
export function RevenueBars({
  data,
  ticks,
  dayShort,
  dayLong,
  axisMoney,
  money,
}: {
  data: Point[];
  ticks: number[];
  dayShort: (day: string) => string;
  dayLong: (day: string) => string;
  axisMoney: (value: number) => string;
  money: (minor: bigint) => string;
}) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
        <CartesianGrid vertical={false} stroke="var(--border)" />
        <XAxis
          dataKey="day"
          tickFormatter={dayShort}
          tick={{ fill: "var(--muted-foreground)", fontSize: 12 }}
          tickLine={false}
          axisLine={{ stroke: "var(--border)" }}
          minTickGap={24}
        />
        <YAxis
          width={72}
          ticks={ticks}
          domain={[0, ticks.at(-1) ?? 1]}
          interval={0}
          allowDecimals={false}
          tickFormatter={axisMoney}
          tick={{ fill: "var(--muted-foreground)", fontSize: 12 }}
          tickLine={false}
          axisLine={false}
        />
        <Tooltip
          cursor={{ fill: "var(--accent)", stroke: "none" }}
          isAnimationActive={false}
          content={({ active, payload }) => {
            const point = active ? (payload?.[0]?.payload as Point | undefined) : undefined;
            if (!point) return null;
            return (
              <div className="rounded-md border bg-popover px-3 py-2 text-popover-foreground text-sm shadow-md">
                <div className="text-muted-foreground text-xs">{dayLong(point.day)}</div>
                <div className="font-medium tabular-nums">{money(point.minor)}</div>
              </div>
            );
          }}
        />
        <Bar dataKey="value" fill="var(--primary)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
