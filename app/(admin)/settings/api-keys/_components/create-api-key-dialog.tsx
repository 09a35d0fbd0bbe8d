"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
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
import { toast } from "@/components/ui/toast";
import { createApiKeyInput } from "@/lib/api-keys/schema";
import { createApiKeyAction } from "../actions";
import { ShownOnceKey } from "./shown-once-key";

type FormValues = z.input<typeof createApiKeyInput>;

/** Loaded on first use (create-api-key-button.tsx). */
export function CreateApiKeyDialog({ trigger, defaultOpen = false }: DormantDialogProps) {
  const router = useRouter();
  const [open, setOpen] = useState(defaultOpen);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const form = useForm<FormValues>({
    resolver: zodResolver(createApiKeyInput, undefined, { raw: true }),
    // Validate on submit, then as the field changes: validating on blur inside a dialog moves the
    // submit button (an error line appears) between mousedown and mouseup, and the click is lost.
    mode: "onSubmit",
    reValidateMode: "onChange",
    defaultValues: { name: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await createApiKeyAction(values);
    if (result.ok) {
      setCreated({ name: result.data.name, key: result.data.key });
      toast.success(`API key "${result.data.name}" created`);
      router.refresh();
      return;
    }
    const nameError = result.fieldErrors.name?.[0];
    if (nameError) form.setError("name", { type: "server", message: nameError });
    else toast.error(result.message);
  });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        // Closing forgets the key: it exists only in this dialog, once.
        if (!next) {
          setCreated(null);
          form.reset();
        }
      }}
    >
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent
        // The key must not be lost to a stray click outside or Escape: only the buttons close it.
        onInteractOutside={(event) => {
          if (created) event.preventDefault();
        }}
        onEscapeKeyDown={(event) => {
          if (created) event.preventDefault();
        }}
      >
        {created ? (
          <div className="space-y-4">
            <DialogHeader>
              <DialogTitle>API key created</DialogTitle>
              <DialogDescription>
                &ldquo;{created.name}&rdquo; can call /api/v1 as soon as your product sends it as{" "}
                <code className="font-mono text-xs">Authorization: Bearer …</code>
              </DialogDescription>
            </DialogHeader>
            <ShownOnceKey secret={created.key} />
            <DialogFooter>
              <Button data-testid="api-key-done" onClick={() => setOpen(false)}>
                I have stored the key
              </Button>
            </DialogFooter>
          </div>
        ) : (
          <form className="space-y-4" onSubmit={onSubmit} noValidate>
            <DialogHeader>
              <DialogTitle>Create API key</DialogTitle>
              <DialogDescription>
                Name it after who uses it, e.g. &ldquo;cinema site, production&rdquo;. The key is shown once.
              </DialogDescription>
            </DialogHeader>
            <Field label="Name" required error={errors.name?.message}>
              <Input
                {...form.register("name")}
                autoComplete="off"
                maxLength={200}
                data-testid="api-key-name"
              />
            </Field>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button
                type="submit"
                disabled={isSubmitting}
                aria-busy={isSubmitting}
                data-testid="create-api-key-submit"
              >
                {isSubmitting ? "Creating…" : "Create key"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
