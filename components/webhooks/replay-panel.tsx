"use client";

import { FlaskConical, RotateCcw } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { dryRunReplayAction, replayWebhookAction } from "@/app/(admin)/webhooks/actions";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toast";
import type { ReplayChange, ReplayResult } from "@/lib/webhooks/replay";
import { OUTCOME_LABEL } from "./outcome-badge";

const ACTION_LABEL: Record<string, string> = {
  "payment.create": "Record the payment",
  "payment.status_change": "Change the payment's status",
  "payment.refund": "Refund the payment",
  "payment.update": "Update the payment",
  "payment.dispute": "Flag the payment as disputed",
  "subscription.extend": "Extend the subscription",
  "subscription.revoke": "Revoke access",
  "customer.create": "Create the customer",
};

function show(value: unknown): string {
  if (value === undefined) return "—";
  if (value === null) return "null";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Replay for admins: a dry run first (what would change, computed and rolled back), then the
 * real replay behind a confirmation. Both go through server actions that check the permission.
 */
export function ReplayPanel({ eventId, provider }: { eventId: string; provider: string }) {
  const router = useRouter();
  const [dryRun, setDryRun] = useState<ReplayResult | null>(null);
  const [replayed, setReplayed] = useState<ReplayResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [replaying, setReplaying] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function runDryRun() {
    setChecking(true);
    setReplayed(null);
    const result = await dryRunReplayAction({ eventId });
    setChecking(false);
    if (result.ok) setDryRun(result.data);
    else toast.error(result.message);
  }

  async function replay() {
    setReplaying(true);
    const result = await replayWebhookAction({ eventId });
    setReplaying(false);
    setConfirming(false);
    if (!result.ok) {
      toast.error(result.message);
      return;
    }
    const data = result.data;
    setReplayed(data);
    setDryRun(null);
    if (data.outcome === "failed") {
      toast.error(`Replay failed: ${data.reason ?? "the handler raised an error"}`);
    } else if (data.changes.length === 0) {
      toast.success(`Event replayed (${OUTCOME_LABEL[data.outcome].toLowerCase()}): nothing changed`);
    } else {
      toast.success(
        `Event replayed (${OUTCOME_LABEL[data.outcome].toLowerCase()}): ${plural(data.changes.length, "change", "changes")}`,
      );
    }
    router.refresh();
  }

  return (
    <Card data-testid="replay-panel">
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Replay</h2>
        </CardTitle>
        <CardDescription>
          Runs this event through the {provider} handler again. Payment changes are made by the provider's
          system account; the replay itself is recorded under your name. Replaying an event that was already
          applied changes nothing.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <div className="flex flex-wrap gap-2">
          <Button
            variant="outline"
            size="sm"
            onClick={runDryRun}
            disabled={checking || replaying}
            aria-busy={checking}
          >
            {checking ? <Spinner aria-hidden /> : <FlaskConical aria-hidden />}
            {checking ? "Running dry run…" : "Dry run"}
          </Button>
          {dryRun ? (
            <Button size="sm" onClick={() => setConfirming(true)} disabled={replaying}>
              <RotateCcw aria-hidden />
              Replay event…
            </Button>
          ) : null}
        </div>

        <div aria-live="polite">
          {dryRun ? <ResultView result={dryRun} testId="dry-run-result" /> : null}
          {replayed ? <ResultView result={replayed} testId="replay-result" /> : null}
        </div>

        <AlertDialog open={confirming} onOpenChange={(open) => !replaying && setConfirming(open)}>
          <AlertDialogContent>
            <AlertDialogHeader>
              <AlertDialogTitle>Replay this event?</AlertDialogTitle>
              <AlertDialogDescription>
                {dryRun === null || dryRun.changes.length === 0
                  ? "The dry run found nothing to change: the replay will only record that you ran it."
                  : `The dry run found ${plural(dryRun.changes.length, "change", "changes")} (listed on the page). The replay makes them for real, as the provider's system account, and records that you ran it.`}
              </AlertDialogDescription>
            </AlertDialogHeader>
            <AlertDialogFooter>
              <AlertDialogCancel disabled={replaying}>Cancel</AlertDialogCancel>
              <Button onClick={replay} disabled={replaying} aria-busy={replaying}>
                {replaying ? <Spinner aria-hidden /> : null}
                {replaying ? "Replaying…" : "Replay"}
              </Button>
            </AlertDialogFooter>
          </AlertDialogContent>
        </AlertDialog>
      </CardContent>
    </Card>
  );
}

function ResultView({ result, testId }: { result: ReplayResult; testId: string }) {
  const heading = result.dryRun ? "A replay would" : "The replay";
  return (
    <section
      className="space-y-2 rounded-md border bg-muted/30 p-3 text-sm"
      data-testid={testId}
      data-outcome={result.outcome}
      data-changes={result.changes.length}
      aria-label={result.dryRun ? "Dry run result" : "Replay result"}
    >
      <p className="font-medium">
        {heading}{" "}
        {result.outcome === "failed"
          ? result.dryRun
            ? "fail"
            : "failed"
          : `${result.dryRun ? "end" : "ended"} as “${OUTCOME_LABEL[result.outcome].toLowerCase()}”`}
        {result.outcome !== "failed" ? (
          <span className="font-normal text-muted-foreground">
            {" "}
            ·{" "}
            {result.changes.length === 0 ? "no changes" : plural(result.changes.length, "change", "changes")}
          </span>
        ) : null}
      </p>
      {result.reason ? <p className="text-muted-foreground">{result.reason}</p> : null}
      {result.changes.length === 0 && result.outcome !== "failed" ? (
        <p data-testid="replay-no-changes">{result.dryRun ? "Nothing would change." : "Nothing changed."}</p>
      ) : (
        <ol className="space-y-2">
          {result.changes.map((change, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the changes of one run, in order, never reordered
            <ChangeItem key={i} change={change} />
          ))}
        </ol>
      )}
    </section>
  );
}

function ChangeItem({ change }: { change: ReplayChange }) {
  return (
    <li data-testid="replay-change" data-action={change.action} className="space-y-1">
      <div>
        <span className="font-medium">{ACTION_LABEL[change.action] ?? change.action}</span>{" "}
        <span className="font-mono text-xs text-muted-foreground">
          {change.entityType}:{change.entityId.slice(0, 8)}
        </span>
      </div>
      {change.diff.length > 0 ? (
        <dl className="grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-3 gap-y-0.5 rounded bg-background px-2 py-1 font-mono text-xs">
          {change.diff.map((d) => (
            <div key={d.path} className="contents">
              <dt className="text-muted-foreground">{d.path || "(value)"}</dt>
              <dd className="break-all">
                {change.before === null ? (
                  show(d.after)
                ) : (
                  <>
                    <span className="text-muted-foreground line-through decoration-1">{show(d.before)}</span>
                    {" → "}
                    <span>{show(d.after)}</span>
                  </>
                )}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
    </li>
  );
}
