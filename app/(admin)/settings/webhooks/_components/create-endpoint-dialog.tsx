"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import type { z } from "zod";
import type { DormantDialogProps } from "@/components/lazy/dormant-dialog";
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
import { Field, FieldError, focusFirstInvalid } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { toast } from "@/components/ui/toast";
import { createEndpointInput } from "@/lib/outbound/validation";
import { createEndpointAction } from "../actions";
import { EVENT_TYPE_GROUPS } from "./event-types";
import { SecretDialog } from "./secret-dialog";

type FormValues = z.input<typeof createEndpointInput>;
const EMPTY: FormValues = { url: "", eventTypes: [], description: "" };
const FORM_ID = "create-endpoint-form";

/** Loaded on first use (add-endpoint-button.tsx). */
export function CreateEndpointDialog({ trigger, defaultOpen = false }: DormantDialogProps) {
  const router = useRouter();
  const [open, setOpen] = useState(defaultOpen);
  const [secret, setSecret] = useState<string | null>(null);
  const form = useForm<FormValues>({
    resolver: zodResolver(createEndpointInput, undefined, { raw: true }),
    // Validate on submit, then as the field changes: validating on blur inside a dialog moves the
    // submit button (an error line appears) between mousedown and mouseup, and the click is lost.
    mode: "onSubmit",
    reValidateMode: "onChange",
    shouldFocusError: false,
    defaultValues: EMPTY,
  });
  const { register, control, formState } = form;
  const errors = formState.errors;

  const onSubmit = form.handleSubmit(
    async (values) => {
      const result = await createEndpointAction(values);
      if (result.ok) {
        toast.success(`Endpoint ${result.data.url} added`);
        setOpen(false);
        form.reset(EMPTY);
        setSecret(result.data.secret);
        router.refresh();
        return;
      }
      let onField = false;
      for (const [field, messages] of Object.entries(result.fieldErrors)) {
        if (field === "url" || field === "eventTypes" || field === "description") {
          form.setError(field, { type: "server", message: messages[0] });
          onField = true;
        }
      }
      if (!onField) toast.error(result.message);
      requestAnimationFrame(() => focusFirstInvalid(document.getElementById(FORM_ID)));
    },
    () => requestAnimationFrame(() => focusFirstInvalid(document.getElementById(FORM_ID))),
  );

  return (
    <>
      <Dialog
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (!next) form.reset(EMPTY);
        }}
      >
        <DialogTrigger asChild>{trigger}</DialogTrigger>
        <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-xl">
          <form id={FORM_ID} className="space-y-4" onSubmit={onSubmit} noValidate>
            <DialogHeader>
              <DialogTitle>Add endpoint</DialogTitle>
              <DialogDescription>
                Paydesk POSTs each chosen event to this URL, signed per Standard Webhooks. The signing secret
                is shown once, after you add it.
              </DialogDescription>
            </DialogHeader>
            <Field label="URL" required error={errors.url?.message}>
              <Input
                type="url"
                inputMode="url"
                placeholder="https://example.com/webhooks/paydesk"
                autoComplete="off"
                data-testid="endpoint-url"
                {...register("url")}
              />
            </Field>
            <Field label="Description" error={errors.description?.message}>
              <Input autoComplete="off" data-testid="endpoint-description" {...register("description")} />
            </Field>
            <Controller
              control={control}
              name="eventTypes"
              render={({ field, fieldState }) => {
                const chosen = new Set(field.value ?? []);
                const toggle = (type: string, on: boolean) => {
                  const next = new Set(chosen);
                  if (on) next.add(type);
                  else next.delete(type);
                  field.onChange([...next]);
                };
                return (
                  <fieldset
                    className="space-y-3"
                    aria-invalid={fieldState.error ? true : undefined}
                    aria-describedby={fieldState.error ? "event-types-error" : undefined}
                    data-testid="endpoint-event-types"
                  >
                    <legend className="mb-1 text-sm font-medium">
                      Events
                      <span className="text-destructive" aria-hidden>
                        *
                      </span>
                    </legend>
                    <div className="grid gap-4 sm:grid-cols-3">
                      {EVENT_TYPE_GROUPS.map((group) => {
                        const all = group.types.every((t) => chosen.has(t));
                        const some = group.types.some((t) => chosen.has(t));
                        return (
                          <fieldset key={group.key} className="min-w-0 space-y-0.5" aria-label={group.label}>
                            <div className="flex min-h-7 items-center gap-2">
                              <Checkbox
                                id={`group-${group.key}`}
                                checked={all ? true : some ? "indeterminate" : false}
                                onCheckedChange={(on) => {
                                  const next = new Set(chosen);
                                  for (const t of group.types) {
                                    if (on === true) next.add(t);
                                    else next.delete(t);
                                  }
                                  field.onChange([...next]);
                                }}
                                onBlur={field.onBlur}
                              />
                              <Label htmlFor={`group-${group.key}`} className="font-semibold">
                                {group.label}
                              </Label>
                            </div>
                            {group.types.map((type) => (
                              <div key={type} className="flex min-h-7 items-center gap-2 pl-4">
                                <Checkbox
                                  id={`event-${type}`}
                                  value={type}
                                  checked={chosen.has(type)}
                                  onCheckedChange={(on) => toggle(type, on === true)}
                                  onBlur={field.onBlur}
                                />
                                <Label htmlFor={`event-${type}`} className="font-mono text-xs font-normal">
                                  {type}
                                </Label>
                              </div>
                            ))}
                          </fieldset>
                        );
                      })}
                    </div>
                    <FieldError id="event-types-error" error={fieldState.error?.message} />
                  </fieldset>
                );
              }}
            />
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button
                type="submit"
                disabled={formState.isSubmitting}
                aria-busy={formState.isSubmitting}
                data-testid="create-endpoint-submit"
              >
                {formState.isSubmitting ? "Adding…" : "Add endpoint"}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
      <SecretDialog secret={secret} title="Endpoint signing secret" onClose={() => setSecret(null)} />
    </>
  );
}
