"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import type { DormantDialogProps } from "@/components/lazy/dormant-dialog";
import { Button } from "@/components/ui/button";
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
import { NativeSelect } from "@/components/ui/native-select";
import { toast } from "@/components/ui/toast";
import { formatMinor } from "@/lib/money/money";
import { createRuleAction, updateRuleAction } from "../actions";
import { KIND_LABEL, type RuleRow } from "./labels";

// The form's own shape (text fields); the server parses the threshold against the currency.
const formSchema = z.object({
  kind: z.enum(["payment.create", "payment.refund_full", "subscription.grant"]),
  currency: z.string().trim().max(3, "Use the 3-letter ISO 4217 code"),
  threshold: z.string().trim().max(40),
  days: z.string().trim().max(5),
});
type FormValues = z.input<typeof formSchema>;

export type RuleDialogMode = { kind: "create"; hasGrantRule: boolean } | { kind: "edit"; rule: RuleRow };

/** Loaded on first use (rule-button.tsx). */
export function RuleDialog({
  mode,
  trigger,
  defaultOpen = false,
}: { mode: RuleDialogMode } & DormantDialogProps) {
  const router = useRouter();
  const [open, setOpen] = useState(defaultOpen);
  const editing = mode.kind === "edit" ? mode.rule : null;
  const defaults: FormValues = editing
    ? {
        kind: editing.kind,
        currency: editing.currency ?? "",
        threshold:
          editing.thresholdMinor !== null ? formatMinor(editing.thresholdMinor, editing.currency ?? "") : "",
        days: editing.days !== null ? String(editing.days) : "",
      }
    : { kind: "payment.create", currency: "", threshold: "", days: "" };
  const form = useForm<FormValues>({
    resolver: zodResolver(formSchema),
    mode: "onSubmit",
    reValidateMode: "onChange",
    defaultValues: defaults,
  });
  const kind = useWatch({ control: form.control, name: "kind" });
  const { errors, isSubmitting } = form.formState;
  const grant = kind === "subscription.grant";

  const onSubmit = form.handleSubmit(async (values) => {
    const result = editing
      ? await updateRuleAction(
          grant
            ? { id: editing.id, days: Number(values.days) }
            : { id: editing.id, threshold: values.threshold },
        )
      : await createRuleAction(
          grant
            ? { kind: "subscription.grant", days: Number(values.days || "0") }
            : {
                kind: values.kind as "payment.create",
                currency: values.currency,
                threshold: values.threshold,
              },
        );
    if (result.ok) {
      toast.success(editing ? "Rule saved" : "Rule added");
      setOpen(false);
      form.reset(defaults);
      router.refresh();
      return;
    }
    let onField = false;
    for (const [field, messages] of Object.entries(result.fieldErrors)) {
      const name = field === "thresholdMinor" ? "threshold" : field;
      if (name === "currency" || name === "threshold" || name === "days" || name === "kind") {
        form.setError(name, { type: "server", message: messages[0] });
        onField = true;
      }
    }
    if (!onField) toast.error(result.message);
  });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (isSubmitting) return;
        setOpen(next);
        if (!next) form.reset(defaults);
      }}
    >
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent>
        <form className="space-y-4" onSubmit={onSubmit} noValidate data-testid="approval-rule-form">
          <DialogHeader>
            <DialogTitle>
              {editing ? `Edit ${KIND_LABEL[editing.kind].toLowerCase()} rule` : "Add an approval rule"}
            </DialogTitle>
            <DialogDescription>
              {grant
                ? "Grants of more than this many days wait for a second admin."
                : "Amounts of at least this threshold, in this currency, wait for a second admin."}
            </DialogDescription>
          </DialogHeader>
          {editing ? null : (
            <Field label="Action" required error={errors.kind?.message}>
              <NativeSelect {...form.register("kind")} data-testid="approval-rule-kind">
                <option value="payment.create">{KIND_LABEL["payment.create"]}</option>
                <option value="payment.refund_full">{KIND_LABEL["payment.refund_full"]}</option>
                {mode.kind === "create" && !mode.hasGrantRule ? (
                  <option value="subscription.grant">{KIND_LABEL["subscription.grant"]}</option>
                ) : null}
              </NativeSelect>
            </Field>
          )}
          {grant ? (
            <Field label="More than (days)" required error={errors.days?.message}>
              <Input
                {...form.register("days")}
                inputMode="numeric"
                autoComplete="off"
                data-testid="approval-rule-days"
              />
            </Field>
          ) : (
            <>
              {editing ? null : (
                <Field
                  label="Currency"
                  required
                  error={errors.currency?.message}
                  description="ISO 4217, e.g. USD"
                >
                  <Input
                    {...form.register("currency")}
                    autoComplete="off"
                    maxLength={3}
                    className="uppercase"
                    data-testid="approval-rule-currency"
                  />
                </Field>
              )}
              <Field
                label={`At least${editing?.currency ? ` (${editing.currency})` : ""}`}
                required
                error={errors.threshold?.message}
              >
                <Input
                  {...form.register("threshold")}
                  inputMode="decimal"
                  autoComplete="off"
                  placeholder="10000.00"
                  data-testid="approval-rule-threshold"
                />
              </Field>
            </>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              disabled={isSubmitting}
              aria-busy={isSubmitting}
              data-testid="save-approval-rule"
            >
              {isSubmitting ? "Saving…" : editing ? "Save rule" : "Add rule"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
