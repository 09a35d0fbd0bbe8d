"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { Controller, type Resolver, useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import { createPaymentAction, previewCreateAction } from "@/app/(admin)/payments/actions";
import { useLoadedAfterPageLoad } from "@/components/lazy/use-loaded-after-page-load";
import { Button } from "@/components/ui/button";
import { Field, focusFirstInvalid } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toast";
import { paymentMethods } from "@/db/schema/enum-values";
import { formatMinor } from "@/lib/money/money";
import type { EffectPreview } from "@/lib/payments/preview";
import type { createPaymentInput } from "@/lib/validation/payment";
import { CustomerPicker, type PickedCustomer } from "./customer-picker";
import { EffectPreviewNote } from "./effect-preview";
import { METHOD_LABEL } from "./labels";

type FormValues = z.input<typeof createPaymentInput>;

/** zod and the schema arrive after the page (new-payment-resolver.ts); a check that comes first waits for them. */
const loadResolver = () => import("./new-payment-resolver").then((m) => m.newPaymentResolver);
const resolver: Resolver<FormValues> = async (values, context, options) =>
  (await loadResolver())(values, context, options);

export interface PlanOption {
  code: string;
  name: string;
  priceMinor: bigint;
  currency: string;
  periodDays: number;
  trialDays: number;
}

const COMMON_CURRENCIES = ["RUB", "USD", "EUR", "GBP", "KZT", "JPY"];

export function NewPaymentForm({
  plans,
  initialCustomer,
}: {
  plans: PlanOption[];
  initialCustomer: PickedCustomer | null;
}) {
  const router = useRouter();
  // One key per form instance: a double click or a resubmit after an error can never
  // record the payment twice.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [customer, setCustomer] = useState<PickedCustomer | null>(initialCustomer);
  const [preview, setPreview] = useState<EffectPreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const firstPlan = plans[0];

  useLoadedAfterPageLoad(loadResolver);
  const form = useForm<FormValues>({
    resolver,
    mode: "onTouched",
    // focusFirstInvalid (below) moves focus; react-hook-form's own focusing would then move it
    // again, to the first invalid field it holds a ref for (never the customer picker).
    shouldFocusError: false,
    defaultValues: {
      customer: initialCustomer?.id ?? "",
      plan: firstPlan?.code ?? "",
      kind: "manual",
      amount: firstPlan ? formatMinor(firstPlan.priceMinor, firstPlan.currency) : "",
      currency: firstPlan?.currency ?? "RUB",
      status: "pending",
      method: "bank_transfer",
      description: "",
      reason: "",
    },
  });
  const { register, control, setValue, formState, getFieldState } = form;
  const errors = formState.errors;
  const [kind, plan, status, customerId, grantDays] = useWatch({
    control,
    name: ["kind", "plan", "status", "customer", "grantDays"],
  });

  // A trial is free and takes effect at once.
  useEffect(() => {
    if (kind === "trial") {
      setValue("amount", "0", { shouldValidate: formState.isSubmitted });
      setValue("status", "succeeded");
    }
  }, [kind, setValue, formState.isSubmitted]);

  useEffect(() => {
    if (!customerId) {
      setPreview(null);
      return;
    }
    let cancelled = false;
    setPreviewing(true);
    const timer = setTimeout(async () => {
      const days =
        grantDays === undefined || grantDays === null || grantDays === "" ? null : Number(grantDays);
      const result = await previewCreateAction({
        customer: String(customerId),
        plan: plan || null,
        kind: kind === "trial" ? "trial" : "manual",
        status: status === "succeeded" ? "succeeded" : "pending",
        grantDays: Number.isInteger(days) ? days : null,
      });
      if (cancelled) return;
      setPreviewing(false);
      setPreview(result.ok ? result.data : null);
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [customerId, plan, kind, status, grantDays]);

  const onSubmit = form.handleSubmit(
    async (values) => {
      const result = await createPaymentAction({
        ...values,
        // A trial is not paid by any method.
        method: values.kind === "trial" ? null : values.method,
        idempotencyKey,
      });
      if (result.ok) {
        if (result.data.awaitingApproval) {
          // Held by an approval rule: nothing is recorded until a different admin approves it.
          const href = `/approvals#request-${result.data.approvalRequestId}`;
          toast.info("Awaiting approval", {
            description: result.data.message,
            duration: 20_000,
            action: { label: "Open request", onClick: () => router.push(href) },
          });
          router.push(href);
          return;
        }
        toast.success(result.data.created ? "Payment recorded" : "This payment was already recorded");
        router.push(`/payments/${result.data.id}`);
        return;
      }
      let onField = false;
      for (const [field, messages] of Object.entries(result.fieldErrors)) {
        if (field in form.getValues()) {
          form.setError(field as keyof FormValues, { type: "server", message: messages[0] });
          onField = true;
        }
      }
      if (!onField || result.code !== "validation") toast.error(result.message);
      requestAnimationFrame(() => focusFirstInvalid(document.getElementById("new-payment-form")));
    },
    () => requestAnimationFrame(() => focusFirstInvalid(document.getElementById("new-payment-form"))),
  );

  const selectedPlan = plans.find((p) => p.code === plan);
  const trial = kind === "trial";
  const planRefusal = preview?.kind === "refused" && preview.field === "plan" ? preview.message : undefined;

  return (
    <form
      id="new-payment-form"
      onSubmit={onSubmit}
      noValidate
      className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]"
    >
      <div className="space-y-5 rounded-lg border bg-card p-6">
        <Field label="Customer" id="customer" required error={errors.customer?.message}>
          {(props) => (
            <Controller
              control={control}
              name="customer"
              render={({ field }) => (
                <CustomerPicker
                  id={props.id}
                  value={customer}
                  invalid={props["aria-invalid"]}
                  describedBy={props["aria-describedby"]}
                  onChange={(picked) => {
                    setCustomer(picked);
                    field.onChange(picked.id);
                    field.onBlur();
                  }}
                />
              )}
            />
          )}
        </Field>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">Type</legend>
          <div className="flex gap-2">
            {(["manual", "trial"] as const).map((value) => (
              <label
                key={value}
                className="flex cursor-pointer items-center gap-2 rounded-md border px-3 py-2 text-sm has-[:checked]:border-primary has-[:checked]:bg-primary/5 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
              >
                <input type="radio" value={value} {...register("kind")} className="accent-primary" />
                {value === "manual" ? "Paid (manual)" : "Free trial"}
              </label>
            ))}
          </div>
        </fieldset>

        <Field
          label="Plan"
          id="plan"
          required={trial}
          error={errors.plan?.message ?? planRefusal}
          description={
            selectedPlan
              ? trial
                ? `${selectedPlan.trialDays}-day trial`
                : `${selectedPlan.periodDays} days per payment`
              : "Without a plan the payment changes no subscription"
          }
        >
          <NativeSelect
            wrapperClassName="w-full"
            {...register("plan", {
              onChange: (event) => {
                const next = plans.find((p) => p.code === event.target.value);
                if (next && !trial && !getFieldState("amount").isDirty) {
                  setValue("amount", formatMinor(next.priceMinor, next.currency));
                  setValue("currency", next.currency);
                }
              },
            })}
          >
            {!trial ? <option value="">No plan</option> : null}
            {plans.map((p) => (
              <option key={p.code} value={p.code}>
                {p.name}
              </option>
            ))}
          </NativeSelect>
        </Field>

        <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
          <Field
            label="Amount"
            id="amount"
            required
            error={errors.amount?.message}
            description={trial ? "A trial is always free" : "Decimal, e.g. 599.00"}
          >
            <Input inputMode="decimal" autoComplete="off" readOnly={trial} {...register("amount")} />
          </Field>
          <Field label="Currency" id="currency" required error={errors.currency?.message}>
            <Input
              list="currency-options"
              className="uppercase"
              autoComplete="off"
              {...register("currency")}
            />
          </Field>
          <datalist id="currency-options">
            {COMMON_CURRENCIES.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>

        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Method" id="method" error={errors.method?.message}>
            <NativeSelect wrapperClassName="w-full" {...register("method")} disabled={trial}>
              {paymentMethods.map((m) => (
                <option key={m} value={m}>
                  {METHOD_LABEL[m]}
                </option>
              ))}
            </NativeSelect>
          </Field>
          <Field
            label="Status"
            id="status"
            error={errors.status?.message}
            description={trial ? "A trial starts at once" : "Succeeded extends the subscription now"}
          >
            <NativeSelect wrapperClassName="w-full" {...register("status")} disabled={trial}>
              <option value="pending">Pending: not paid yet</option>
              <option value="succeeded">Succeeded: already paid</option>
            </NativeSelect>
          </Field>
        </div>

        <Field
          label="Days granted"
          id="grantDays"
          error={errors.grantDays?.message}
          description="Leave empty to use the plan's period"
        >
          <Input
            inputMode="numeric"
            autoComplete="off"
            {...register("grantDays", { setValueAs: (v) => (v === "" || v === null ? null : v) })}
          />
        </Field>

        <Field label="Description" id="description" error={errors.description?.message}>
          <Input autoComplete="off" {...register("description")} />
        </Field>

        <Field
          label="Reason"
          id="reason"
          required
          error={errors.reason?.message}
          description="Recorded in the audit log with the payment"
        >
          <Textarea rows={2} {...register("reason")} />
        </Field>
      </div>

      <aside className="space-y-4">
        <div className="space-y-2 rounded-lg border bg-card p-4">
          <h2 className="text-sm font-medium">Effect</h2>
          <EffectPreviewNote preview={preview} loading={previewing} />
        </div>
        <Button
          type="submit"
          className="w-full"
          disabled={formState.isSubmitting}
          aria-busy={formState.isSubmitting}
        >
          {formState.isSubmitting ? "Recording…" : trial ? "Start trial" : "Record payment"}
        </Button>
        <Button type="button" variant="ghost" className="w-full" onClick={() => router.back()}>
          Cancel
        </Button>
      </aside>
    </form>
  );
}
