"use client";

import { RefreshCw, TriangleAlert } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { providerAction, syncPaymentAction } from "@/app/(admin)/payments/actions";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { toast } from "@/components/ui/toast";
import { PROVIDER_LABEL, providerStatusSentence } from "./labels";

type Provider = "stripe" | "yookassa";

export interface ProviderPanelProps {
  paymentId: string;
  provider: Provider;
  providerPaymentId: string | null;
  providerStatus: string | null;
  providerError: string | null;
  requestedMinor: bigint | null;
  amountMinor: bigint;
  currency: string;
  providerStateAt: Date | null;
  providerSyncedAt: Date | null;
  /** The session may sync and capture/cancel (permission `payment.sync`); the actions check again. */
  canAct: boolean;
  /** Why capture/cancel is not possible now, or null when it is (the provider adapter's rule). */
  captureRefusal: string | null;
  cancelRefusal: string | null;
}

/**
 * A provider payment follows its provider: what the provider says, its last error, and (for an
 * admin) Sync, and capture or cancel *through* the provider. There is no hand-set status.
 */
export function ProviderPanel(props: ProviderPanelProps) {
  const fmt = useFormat();
  const name = PROVIDER_LABEL[props.provider];
  const [lastSync, setLastSync] = useState<{ changed: boolean; notes: string[] } | null>(null);
  const differs = props.requestedMinor !== null && props.requestedMinor !== props.amountMinor;

  return (
    <Card data-testid="provider-panel">
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Provider</h2>
        </CardTitle>
        <CardDescription>
          This payment follows {name}: its status changes only from what {name} says.
        </CardDescription>
        {props.canAct ? (
          <CardAction>
            <SyncButton paymentId={props.paymentId} name={name} onSynced={setLastSync} />
          </CardAction>
        ) : null}
      </CardHeader>
      <CardContent className="space-y-3">
        {props.providerError ? (
          <div
            role="alert"
            className="flex items-start gap-2 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
            data-testid="provider-error"
          >
            <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
            <p>Last attempt declined: {props.providerError}</p>
          </div>
        ) : null}
        <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-2 text-sm">
          <dt className="text-muted-foreground">Provider</dt>
          <dd>{name}</dd>
          <dt className="text-muted-foreground">{name} id</dt>
          <dd className="break-all font-mono text-xs">{props.providerPaymentId ?? "—"}</dd>
          <dt className="text-muted-foreground">{name} says</dt>
          <dd data-testid="provider-status" data-provider-status={props.providerStatus ?? ""}>
            <span className="font-medium">
              {providerStatusSentence(props.provider, props.providerStatus)}
            </span>
            {props.providerStatus ? (
              <span className="font-mono text-xs text-muted-foreground"> · {props.providerStatus}</span>
            ) : null}
          </dd>
          {differs && props.requestedMinor !== null ? (
            <>
              <dt className="text-muted-foreground">Requested / captured</dt>
              <dd data-testid="provider-amounts" className="tabular-nums">
                requested {fmt.money(props.requestedMinor, props.currency)} · captured{" "}
                {fmt.money(props.amountMinor, props.currency)}
              </dd>
            </>
          ) : null}
          <dt className="text-muted-foreground">State as of</dt>
          <dd>
            {props.providerStateAt ? (
              <time dateTime={fmt.iso(props.providerStateAt)}>{fmt.dateTime(props.providerStateAt)}</time>
            ) : (
              "—"
            )}
          </dd>
          <dt className="text-muted-foreground">Last synced</dt>
          <dd data-testid="provider-synced-at">
            {props.providerSyncedAt ? (
              <time dateTime={fmt.iso(props.providerSyncedAt)}>{fmt.dateTime(props.providerSyncedAt)}</time>
            ) : (
              "Never"
            )}
          </dd>
        </dl>
        <div aria-live="polite" data-testid="provider-sync-result">
          {lastSync ? (
            <div className="rounded-md border bg-muted/40 px-3 py-2 text-sm">
              <p className="font-medium">
                {lastSync.changed
                  ? `Synced: updated from ${name}`
                  : `Synced: ${name} agrees, nothing changed`}
              </p>
              {lastSync.notes.length > 0 ? (
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-muted-foreground">
                  {lastSync.notes.map((note, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: notes may repeat; the list is replaced whole
                    <li key={i}>{note}</li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
        </div>
        {props.canAct && (props.captureRefusal === null || props.cancelRefusal === null) ? (
          <div className="flex flex-wrap gap-2" data-testid="provider-actions">
            {props.captureRefusal === null ? <CaptureDialog {...props} name={name} /> : null}
            {props.cancelRefusal === null ? <CancelDialog {...props} name={name} /> : null}
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}

function SyncButton({
  paymentId,
  name,
  onSynced,
}: {
  paymentId: string;
  name: string;
  onSynced: (result: { changed: boolean; notes: string[] }) => void;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="outline"
      size="sm"
      data-testid="provider-sync"
      disabled={pending}
      aria-busy={pending}
      onClick={async () => {
        setPending(true);
        const result = await syncPaymentAction({ paymentId });
        setPending(false);
        if (!result.ok) {
          toast.error(result.message);
          return;
        }
        onSynced({ changed: result.data.changed, notes: result.data.notes });
        const description = result.data.notes.join("\n") || undefined;
        if (result.data.changed) toast.success(`Synced from ${name}: updated`, { description });
        else toast.info(`Synced from ${name}: nothing changed`, { description });
        router.refresh();
      }}
    >
      <RefreshCw className={pending ? "animate-spin" : undefined} aria-hidden />
      {pending ? `Syncing…` : "Sync from provider"}
    </Button>
  );
}

function askedFirst(name: string, verb: string) {
  return `Paydesk asks ${name} to ${verb} first: nothing changes here unless ${name} accepts, and then only as ${name} answers. Your reason goes into the audit log.`;
}

function toastOutcome(name: string, done: string, data: { changed: boolean; notes: string[] }) {
  const description = data.notes.join("\n") || undefined;
  if (data.changed) toast.success(`${done} through ${name}`, { description });
  else toast.info(`${name} answered; nothing changed here`, { description });
}

function CaptureDialog(props: ProviderPanelProps & { name: string }) {
  const fmt = useFormat();
  const [amount, setAmount] = useState("");
  const authorised = props.requestedMinor ?? props.amountMinor;
  return (
    <ReasonDialog
      trigger={
        <Button size="sm" data-testid="provider-capture">
          Capture
        </Button>
      }
      title={`Capture through ${props.name}?`}
      description={
        <p>
          {fmt.money(authorised, props.currency)} is authorised. {askedFirst(props.name, "capture")}
        </p>
      }
      confirmLabel="Capture"
      pendingLabel={`Asking ${props.name}…`}
      fields={["amount"]}
      onOpen={() => setAmount("")}
      submit={(reason) =>
        providerAction({
          paymentId: props.paymentId,
          action: "capture",
          amount: amount.trim() || null,
          reason,
        })
      }
      onDone={(data) => toastOutcome(props.name, "Captured", data)}
    >
      {(errors) => (
        <Field
          label={`Amount to capture (${props.currency})`}
          error={errors.amount}
          description={`Optional: leave empty to capture all ${fmt.money(authorised, props.currency)}; a smaller amount releases the rest`}
        >
          <Input
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            autoComplete="off"
          />
        </Field>
      )}
    </ReasonDialog>
  );
}

function CancelDialog(props: ProviderPanelProps & { name: string }) {
  return (
    <ReasonDialog
      trigger={
        <Button size="sm" variant="outline" data-testid="provider-cancel">
          Cancel at {props.name}
        </Button>
      }
      title={`Cancel through ${props.name}?`}
      description={
        <p>
          The payment is canceled at {props.name}: the customer can no longer pay it, and an authorised amount
          is released without a charge. {askedFirst(props.name, "cancel")}
        </p>
      }
      confirmLabel={`Cancel at ${props.name}`}
      pendingLabel={`Asking ${props.name}…`}
      destructive
      submit={(reason) => providerAction({ paymentId: props.paymentId, action: "cancel", reason })}
      onDone={(data) => toastOutcome(props.name, "Canceled", data)}
    />
  );
}
