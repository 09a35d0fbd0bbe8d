"use client";

import { type ReactNode, useId } from "react";
import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { BreakerState, BreakerStatus } from "@/lib/providers/breaker";
import type { ReviewList } from "@/lib/review/list";
import { providerName } from "./labels";
import { relativeTime } from "./relative-time";

const BREAKER: Record<
  BreakerState,
  { label: string; hint: string; variant: "success" | "danger" | "warning" }
> = {
  closed: { label: "Closed", hint: "calls go through", variant: "success" },
  open: { label: "Open", hint: "calls are paused; nothing is sent", variant: "danger" },
  half_open: { label: "Half-open", hint: "the next call is a trial", variant: "warning" },
};

function Panel({
  title,
  description,
  testId,
  children,
}: {
  title: string;
  description: ReactNode;
  testId: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <Card role="region" aria-labelledby={id} data-testid={testId}>
      <CardHeader>
        <CardTitle asChild>
          <h2 id={id}>{title}</h2>
        </CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

/** Each provider's circuit breaker, as this app instance sees it. */
export function BreakersPanel({ breakers, now }: { breakers: BreakerStatus[]; now: Date }) {
  const fmt = useFormat();
  return (
    <Panel
      title="Provider circuit breakers"
      testId="review-breakers"
      description="After repeated calls without an answer, Paydesk stops calling a provider for a while (held in this app instance's memory; other instances keep their own)."
    >
      <Table aria-label="Circuit breaker of each provider">
        <TableHeader>
          <TableRow>
            <TableHead scope="col">Provider</TableHead>
            <TableHead scope="col">State</TableHead>
            <TableHead scope="col" className="text-right">
              Failures
            </TableHead>
            <TableHead scope="col">Last failure</TableHead>
            <TableHead scope="col">Opened</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {breakers.map((b) => {
            const state = BREAKER[b.state];
            return (
              <TableRow
                key={b.provider}
                data-testid="breaker-row"
                data-provider={b.provider}
                data-state={b.state}
              >
                <th scope="row" className="px-3 py-2 text-left font-medium">
                  {providerName(b.provider)}
                </th>
                <TableCell>
                  <Badge variant={state.variant}>{state.label}</Badge>
                  <span className="ml-2 text-xs text-muted-foreground">{state.hint}</span>
                </TableCell>
                <TableCell className="text-right tabular-nums">{b.failures}</TableCell>
                <TableCell className="max-w-80 whitespace-normal break-all text-sm">
                  {b.lastFailure ?? <span className="text-muted-foreground">None</span>}
                </TableCell>
                <TableCell>
                  {b.openedAt ? (
                    <time dateTime={fmt.iso(b.openedAt)}>
                      {relativeTime(b.openedAt, now, fmt.prefs.locale)}
                      <span className="block text-xs text-muted-foreground">{fmt.dateTime(b.openedAt)}</span>
                    </time>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Panel>
  );
}

/** The reconciler's last run: when, and what it found or why it failed. */
export function ReconcilerPanel({ reconciler, now }: { reconciler: ReviewList["reconciler"]; now: Date }) {
  const fmt = useFormat();
  const at = (d: Date | null) =>
    d ? (
      <time dateTime={fmt.iso(d)}>
        {fmt.dateTime(d)}{" "}
        <span className="text-muted-foreground">({relativeTime(d, now, fmt.prefs.locale)})</span>
      </time>
    ) : (
      <span className="text-muted-foreground">—</span>
    );
  const started = reconciler?.lastStartedAt ?? null;
  const finished = reconciler?.lastFinishedAt ?? null;
  const running = started !== null && (finished === null || finished.getTime() < started.getTime());
  return (
    <Panel
      title="Reconciler"
      testId="review-reconciler"
      description={
        <>
          Every minute by default, one app instance asks the providers about payments still open 15 minutes
          after their last change and about pending refunds. <code>npm run cli -- reconcile run</code> runs a
          pass now.
        </>
      }
    >
      {started === null ? (
        <p className="text-sm" data-testid="reconciler-never-ran">
          The reconciler never ran.
        </p>
      ) : (
        <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
          <dt className="text-muted-foreground">Last started</dt>
          <dd data-testid="reconciler-started">{at(started)}</dd>
          <dt className="text-muted-foreground">Last finished</dt>
          <dd data-testid="reconciler-finished">{running ? "Running now" : at(finished)}</dd>
          {running ? null : (
            <>
              <dt className="text-muted-foreground">{reconciler?.lastError ? "Error" : "Result"}</dt>
              <dd data-testid="reconciler-result">
                {reconciler?.lastError ? (
                  <span className="text-danger-soft-foreground">{reconciler.lastError}</span>
                ) : (
                  describeResult(reconciler?.lastResult ?? null)
                )}
              </dd>
            </>
          )}
        </dl>
      )}
    </Panel>
  );
}

/** `{ checked: 3, changed: 1, errors: 0 }` → "3 checked, 1 changed, 0 errors". */
function describeResult(result: Record<string, unknown> | null): string {
  if (!result) return "No result recorded";
  const parts = Object.entries(result)
    .filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
    .map(([k, v]) => `${String(v)} ${k}`);
  return parts.length > 0 ? parts.join(", ") : "No result recorded";
}
