"use client";

import { useRouter } from "next/navigation";
import { type ReactElement, type ReactNode, useEffect, useRef, useState } from "react";
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
import { Field, focusFirstInvalid } from "@/components/ui/field";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toast";
import type { ActionResult } from "@/lib/auth/action";

export type FieldErrors = Record<string, string[]>;

/**
 * A confirmation that needs a reason (it goes into the audit log), with optional extra fields.
 * The server action is the check: its field errors show inline, any other refusal as a toast.
 */
export function ReasonDialog<T>({
  trigger,
  title,
  description,
  confirmLabel,
  pendingLabel,
  destructive = false,
  fields = [],
  onOpen,
  children,
  submit,
  onDone,
}: {
  /** The button that opens the dialog. */
  trigger: ReactElement;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  destructive?: boolean;
  /** The extra fields' names: their errors show inline instead of as a toast. */
  fields?: string[];
  /** Reset the extra fields' state when the dialog opens. */
  onOpen?: () => void;
  /** Extra fields, given the current field errors. */
  children?: (errors: FieldErrors) => ReactNode;
  submit: (reason: string) => Promise<ActionResult<T>>;
  /** Called after a successful submit (toast the result here); the dialog closes and the page refreshes. */
  onDone: (data: T) => void;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens
  useEffect(() => {
    if (!open) return;
    setReason("");
    setErrors({});
    onOpen?.();
  }, [open]);

  return (
    <Dialog open={open} onOpenChange={(next) => (pending ? undefined : setOpen(next))}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent>
        <form
          ref={formRef}
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            if (pending) return;
            setPending(true);
            const result = await submit(reason);
            setPending(false);
            if (result.ok) {
              onDone(result.data);
              setOpen(false);
              router.refresh();
              return;
            }
            setErrors(result.fieldErrors);
            const inline = ["reason", ...fields].some((name) => result.fieldErrors[name]?.length);
            if (inline) requestAnimationFrame(() => focusFirstInvalid(formRef.current));
            else toast.error(result.message);
          }}
        >
          <DialogHeader>
            <DialogTitle>{title}</DialogTitle>
            <DialogDescription asChild>
              <div>{description}</div>
            </DialogDescription>
          </DialogHeader>
          {children?.(errors)}
          <Field label="Reason" required error={errors.reason}>
            <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={pending}>
              Back
            </Button>
            <Button
              type="submit"
              variant={destructive ? "destructive" : "default"}
              disabled={pending}
              aria-busy={pending}
            >
              {pending ? pendingLabel : confirmLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
