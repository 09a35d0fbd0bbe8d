"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { toast } from "sonner";
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
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import type { PaymentStatus } from "@/db/schema/enums";
import type { EffectPreview } from "@/lib/payments/preview";
import { EffectPreviewNote } from "./effect-preview";
import { STATUS_LABEL } from "./status-badge";

type Errors = Record<string, string[]>;

const VERB: Partial<Record<PaymentStatus, string>> = {
  processing: "Mark processing",
  succeeded: "Mark succeeded",
  failed: "Mark failed",
  canceled: "Cancel payment",
};

/** The buttons for what the state machine allows next, each confirmed in its own dialog. */
export function PaymentActions({
  paymentId,
  status,
  amountMinor,
  targets,
  canRefund,
  canEdit,
  remaining,
  currency,
  description,
  metadata,
  version,
}: {
  paymentId: string;
  status: PaymentStatus;
  amountMinor: bigint;
  targets: PaymentStatus[];
  canRefund: boolean;
  canEdit: boolean;
  remaining: string;
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
      {canRefund ? <RefundDialog paymentId={paymentId} remaining={remaining} currency={currency} /> : null}
      {canEdit ? (
        <EditDialog paymentId={paymentId} description={description} metadata={metadata} version={version} />
      ) : null}
    </div>
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

function RefundDialog({
  paymentId,
  remaining,
  currency,
}: {
  paymentId: string;
  remaining: string;
  currency: string;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState(remaining);
  const [revokeAccess, setRevokeAccess] = useState(false);
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [pending, setPending] = useState(false);
  const [preview, setPreview] = useState<EffectPreview | null>(null);
  const full = amount.trim() === remaining;

  useReset(open, () => {
    setAmount(remaining);
    setRevokeAccess(false);
    setReason("");
    setErrors({});
  });

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    setPreview(null);
    const timer = setTimeout(async () => {
      const result = await previewRefundAction({ paymentId, amount: amount.trim() || null, revokeAccess });
      if (!cancelled && result.ok) setPreview(result.data);
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, amount, revokeAccess, paymentId]);

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          Refund
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            const result = await refundAction({
              paymentId,
              amount: amount.trim() || null,
              revokeAccess: full ? false : revokeAccess,
              reason,
            });
            setPending(false);
            if (result.ok) {
              toast.success(
                result.data.status === "refunded" ? "Payment fully refunded" : "Partial refund recorded",
              );
              setOpen(false);
              router.refresh();
            } else {
              setErrors(result.fieldErrors);
              if (!result.fieldErrors.amount && !result.fieldErrors.reason) toast.error(result.message);
            }
          }}
        >
          <DialogHeader>
            <DialogTitle>Refund payment</DialogTitle>
            <DialogDescription>
              Up to {remaining} {currency} is left to refund. A full refund takes back the access this payment
              gave.
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
          {!full ? (
            <Field
              label="Also revoke the access this payment gave"
              orientation="horizontal"
              description="A partial refund keeps access unless you choose this"
            >
              <Checkbox checked={revokeAccess} onCheckedChange={(v) => setRevokeAccess(v === true)} />
            </Field>
          ) : null}
          <EffectPreviewNote preview={preview} loading={!preview} />
          <Field label="Reason" required error={errors.reason}>
            <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="destructive" disabled={pending} aria-busy={pending}>
              {pending ? "Refunding…" : full ? "Refund in full" : "Refund"}
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
