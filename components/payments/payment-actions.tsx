"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import {
  changeStatusAction,
  previewRefundAction,
  previewTransitionAction,
  refundAction,
  updatePaymentAction,
} from "@/app/(admin)/payments/actions";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { Field, focusFirstInvalid } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toast";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import type { PaymentProvider, PaymentStatus } from "@/db/schema/enums";
import type { EffectPreview } from "@/lib/payments/preview";
import { EffectPreviewNote } from "./effect-preview";
import { PROVIDER_LABEL } from "./labels";
import { STATUS_LABEL } from "./status-badge";

type Errors = Record<string, string[]>;

const VERB: Partial<Record<PaymentStatus, string>> = {
  processing: "Mark processing",
  succeeded: "Mark succeeded",
  failed: "Mark failed",
  canceled: "Cancel payment",
};

/**
 * The buttons for what the state machine allows next, each confirmed in its own dialog. A
 * provider payment gets no status targets (it follows its provider: see the Provider panel).
 */
export function PaymentActions({
  paymentId,
  status,
  amountMinor,
  provider,
  targets,
  canRefund,
  refundBlockedReason,
  canEdit,
  remaining,
  suggestedRefund = null,
  currency,
  description,
  metadata,
  version,
}: {
  paymentId: string;
  status: PaymentStatus;
  amountMinor: bigint;
  provider: PaymentProvider;
  targets: PaymentStatus[];
  canRefund: boolean;
  /** Why Refund is disabled now (a refund waiting for its provider, an open dispute), or null. */
  refundBlockedReason: string | null;
  canEdit: boolean;
  remaining: string;
  /** An amount to open the refund dialog with (a refund suggestion), or null. */
  suggestedRefund?: string | null;
  currency: string;
  description: string | null;
  metadata: Record<string, unknown>;
  version: number;
}) {
  return (
    <div className="flex flex-wrap gap-2" data-testid="payment-actions">
      {targets.map((target) => (
        <StatusDialog
          key={target}
          paymentId={paymentId}
          target={target}
          label={
            target === "canceled" && status === "succeeded" && amountMinor === 0n
              ? "Void trial"
              : (VERB[target] ?? `Mark ${STATUS_LABEL[target].toLowerCase()}`)
          }
        />
      ))}
      {canRefund ? (
        refundBlockedReason ? (
          <BlockedButton label="Refund" reason={refundBlockedReason} />
        ) : (
          <RefundDialog
            paymentId={paymentId}
            provider={provider}
            remaining={remaining}
            suggested={suggestedRefund}
            currency={currency}
          />
        )
      ) : null}
      {canEdit ? (
        <EditDialog paymentId={paymentId} description={description} metadata={metadata} version={version} />
      ) : null}
    </div>
  );
}

/** A disabled button that still says why: the reason is its tooltip, reachable by keyboard. */
function BlockedButton({ label, reason }: { label: string; reason: string }) {
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a disabled button cannot take focus; its wrapper carries the reason */}
        <span tabIndex={0} className="inline-flex rounded-md" data-testid="refund-blocked">
          <Button variant="outline" size="sm" disabled data-disabled-reason={reason}>
            {label}
          </Button>
        </span>
      </TooltipTrigger>
      <TooltipContent>{reason}</TooltipContent>
    </Tooltip>
  );
}

function useReset(open: boolean, reset: () => void) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens
  useEffect(() => {
    if (open) reset();
  }, [open]);
}

function StatusDialog({
  paymentId,
  target,
  label,
}: {
  paymentId: string;
  target: PaymentStatus;
  label: string;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [pending, setPending] = useState(false);
  const [preview, setPreview] = useState<EffectPreview | null>(null);
  const destructive = target === "failed" || target === "canceled";

  useReset(open, () => {
    setReason("");
    setErrors({});
    setPreview(null);
    void previewTransitionAction({ paymentId, status: target }).then((r) => {
      if (r.ok) setPreview(r.data);
    });
  });

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant={destructive ? "outline" : "default"} size="sm">
          {label}
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            const result = await changeStatusAction({ paymentId, status: target, reason });
            setPending(false);
            if (result.ok) {
              toast.success(
                result.data.changed
                  ? `Payment is now ${STATUS_LABEL[result.data.status].toLowerCase()}`
                  : "Nothing changed: the payment already had this status",
              );
              setOpen(false);
              router.refresh();
            } else {
              setErrors(result.fieldErrors);
              if (!result.fieldErrors.reason) toast.error(result.message);
            }
          }}
        >
          <DialogHeader>
            <DialogTitle>{label}?</DialogTitle>
            <DialogDescription>
              The payment moves to “{STATUS_LABEL[target]}”. The change and your reason go into the audit log.
            </DialogDescription>
          </DialogHeader>
          <EffectPreviewNote preview={preview} loading={!preview} />
          <Field label="Reason" required error={errors.reason}>
            <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
          </Field>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Keep as is
            </Button>
            <Button
              type="submit"
              variant={destructive ? "destructive" : "default"}
              disabled={pending}
              aria-busy={pending}
            >
              {pending ? "Saving…" : label}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

type RefundData = Extract<Awaited<ReturnType<typeof refundAction>>, { ok: true }>["data"];

/** Says how the refund ended: counted, or waiting for the provider (not an error). */
function toastRefund(data: RefundData, keptAccess: boolean, open: (href: string) => void) {
  if (data.outcome === "awaiting_approval") {
    // Held by an approval rule: nothing is refunded until a different admin approves it.
    const href = `/approvals#request-${data.approvalRequestId}`;
    toast.info("Awaiting approval", {
      description: data.message,
      duration: 20_000,
      action: { label: "Open request", onClick: () => open(href) },
    });
    return;
  }
  if (data.outcome === "pending") {
    toast.warning(data.message, { duration: 20_000 });
    return;
  }
  const notes = [
    data.message === "Refunded" ? null : data.message,
    keptAccess ? "Compensation: the customer keeps access" : null,
  ].filter(Boolean);
  toast.success(data.status === "refunded" ? "Payment fully refunded" : "Partial refund recorded", {
    description: notes.join(". ") || undefined,
  });
}

const REFUND_FIELDS = ["amount", "revokeAccess", "keepAccess", "bankReference", "reason"];

function RefundDialog({
  paymentId,
  provider,
  remaining,
  suggested,
  currency,
}: {
  paymentId: string;
  provider: PaymentProvider;
  remaining: string;
  suggested: string | null;
  currency: string;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  // A suggested amount opens the dialog at once, filled in; the admin still reviews and confirms.
  const [open, setOpen] = useState(suggested !== null);
  const [amount, setAmount] = useState(suggested ?? remaining);
  const [revokeAccess, setRevokeAccess] = useState(false);
  const [keepAccess, setKeepAccess] = useState(false);
  const [bankReference, setBankReference] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [pending, setPending] = useState(false);
  const [preview, setPreview] = useState<EffectPreview | null>(null);
  const full = amount.trim() === remaining;
  const manual = provider === "manual";
  const name = PROVIDER_LABEL[provider];
  // Only the choice that fits the amount is sent: keep access for a full refund, revoke for a partial one.
  const keep = full && keepAccess;
  const revoke = !full && revokeAccess;

  useReset(open, () => {
    setAmount(suggested ?? remaining);
    setRevokeAccess(false);
    setKeepAccess(false);
    setBankReference("");
    setReason("");
    setErrors({});
  });

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    setPreview(null);
    const timer = setTimeout(async () => {
      const result = await previewRefundAction({
        paymentId,
        amount: amount.trim() || null,
        revokeAccess: revoke,
        keepAccess: keep,
      });
      if (!cancelled && result.ok) setPreview(result.data);
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, amount, revoke, keep, paymentId]);

  return (
    <Dialog open={open} onOpenChange={(next) => (pending ? undefined : setOpen(next))}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          Refund
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          ref={formRef}
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            if (pending) return;
            setPending(true);
            const result = await refundAction({
              paymentId,
              amount: amount.trim() || null,
              revokeAccess: revoke,
              keepAccess: keep,
              bankReference: manual ? bankReference.trim() || null : null,
              reason,
            });
            setPending(false);
            if (result.ok) {
              toastRefund(result.data, keep, (href) => router.push(href));
              setOpen(false);
              router.refresh();
              return;
            }
            setErrors(result.fieldErrors);
            if (REFUND_FIELDS.some((field) => result.fieldErrors[field]?.length)) {
              requestAnimationFrame(() => focusFirstInvalid(formRef.current));
              return;
            }
            if (result.code === "conflict") {
              // Another refund is already waiting for the provider: say so, and show it on the page.
              toast.warning(result.message, { duration: 20_000 });
              setOpen(false);
            } else {
              toast.error(result.message);
            }
            // A refund the provider refused (or that was never sent) is recorded as failed: show it.
            router.refresh();
          }}
        >
          <DialogHeader>
            <DialogTitle>Refund payment</DialogTitle>
            <DialogDescription>
              Up to {remaining} {currency} is left to refund. A full refund takes back the access this payment
              gave, unless you keep it.
              {manual
                ? " It is recorded at once: send the money back by bank transfer or cash."
                : ` ${name} is asked to refund; the refund counts once ${name} confirms it.`}
            </DialogDescription>
          </DialogHeader>
          <Field
            label={`Amount (${currency})`}
            required
            error={errors.amount}
            description="Defaults to everything that is left"
          >
            <Input
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              autoComplete="off"
            />
          </Field>
          {full ? (
            <Field
              label="Keep access"
              orientation="horizontal"
              error={errors.keepAccess}
              description="Compensation: the customer keeps the access this payment gave"
            >
              <Checkbox checked={keepAccess} onCheckedChange={(v) => setKeepAccess(v === true)} />
            </Field>
          ) : (
            <Field
              label="Also revoke the access this payment gave"
              orientation="horizontal"
              error={errors.revokeAccess ?? errors.keepAccess}
              description="A partial refund keeps access unless you choose this"
            >
              <Checkbox checked={revokeAccess} onCheckedChange={(v) => setRevokeAccess(v === true)} />
            </Field>
          )}
          {manual ? (
            <Field
              label="Bank reference"
              error={errors.bankReference}
              description="Optional: the reference of the transfer that sent the money back"
            >
              <Input
                value={bankReference}
                onChange={(e) => setBankReference(e.target.value)}
                autoComplete="off"
                maxLength={100}
              />
            </Field>
          ) : null}
          <EffectPreviewNote preview={preview} loading={!preview} />
          <Field label="Reason" required error={errors.reason}>
            <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant="destructive" disabled={pending} aria-busy={pending}>
              {pending ? (manual ? "Refunding…" : `Asking ${name}…`) : full ? "Refund in full" : "Refund"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function EditDialog({
  paymentId,
  description,
  metadata,
  version,
}: {
  paymentId: string;
  description: string | null;
  metadata: Record<string, unknown>;
  version: number;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(description ?? "");
  const [meta, setMeta] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [pending, setPending] = useState(false);

  useReset(open, () => {
    setText(description ?? "");
    setMeta(JSON.stringify(metadata, null, 2));
    setReason("");
    setErrors({});
  });

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm">
          Edit details
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-lg">
        <form
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            let parsed: NonNullable<Parameters<typeof updatePaymentAction>[0]["metadata"]>;
            try {
              const value: unknown = meta.trim() ? JSON.parse(meta) : {};
              if (!value || typeof value !== "object" || Array.isArray(value))
                throw new Error("not an object");
              parsed = value as typeof parsed;
            } catch {
              setErrors({ metadata: ['Metadata must be a JSON object, e.g. {"invoice": "A-17"}'] });
              return;
            }
            setPending(true);
            const result = await updatePaymentAction({
              paymentId,
              description: text,
              metadata: parsed,
              expectedVersion: version,
              reason,
            });
            setPending(false);
            if (result.ok) {
              toast.success(result.data.changed ? "Payment updated" : "Nothing to change");
              setOpen(false);
              router.refresh();
            } else {
              setErrors(result.fieldErrors);
              if (Object.keys(result.fieldErrors).length === 0) toast.error(result.message);
            }
          }}
        >
          <DialogHeader>
            <DialogTitle>Edit payment details</DialogTitle>
            <DialogDescription>
              Amount, currency and status cannot be edited; only description and metadata.
            </DialogDescription>
          </DialogHeader>
          <Field label="Description" error={errors.description}>
            <Input value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
          </Field>
          <Field label="Metadata (JSON)" error={errors.metadata}>
            <Textarea
              rows={6}
              className="font-mono text-xs"
              value={meta}
              onChange={(e) => setMeta(e.target.value)}
            />
          </Field>
          <Field label="Reason" required error={errors.reason}>
            <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          {errors._form ? <p className="text-sm text-destructive">{errors._form[0]}</p> : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending} aria-busy={pending}>
              {pending ? "Saving…" : "Save changes"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
