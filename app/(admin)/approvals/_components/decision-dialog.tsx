"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
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
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toast";
import { reason } from "@/lib/validation/common";
import { approveRequestAction, rejectRequestAction } from "../actions";

const formSchema = z.object({ reason });
type FormValues = z.input<typeof formSchema>;

export interface DecisionProps {
  requestId: string;
  decision: "approve" | "reject";
  summary: string;
}

/** Approve or reject one request, with a reason, confirmed in a dialog. Loaded on first use (decision-button.tsx). */
export function DecisionDialog({
  requestId,
  decision,
  summary,
  trigger,
  defaultOpen = false,
}: DecisionProps & DormantDialogProps) {
  const router = useRouter();
  const [open, setOpen] = useState(defaultOpen);
  const approve = decision === "approve";
  const form = useForm<FormValues>({
    resolver: zodResolver(formSchema),
    // Validate on submit, then as the field changes (a dialog's button must not move under the click).
    mode: "onSubmit",
    reValidateMode: "onChange",
    defaultValues: { reason: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const action = approve ? approveRequestAction : rejectRequestAction;
    const result = await action({ id: requestId, reason: values.reason });
    if (result.ok) {
      toast.success(approve ? "Approved and applied" : "Request rejected");
      setOpen(false);
      router.refresh();
      return;
    }
    const reasonError = result.fieldErrors.reason?.[0];
    if (reasonError) {
      form.setError("reason", { type: "server", message: reasonError });
      return;
    }
    // A stale or expired request was closed as such: show why, and the new state.
    toast.error(result.message, { duration: 15_000 });
    setOpen(false);
    router.refresh();
  });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (isSubmitting) return;
        setOpen(next);
        if (!next) form.reset();
      }}
    >
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent>
        <form className="space-y-4" onSubmit={onSubmit} noValidate>
          <DialogHeader>
            <DialogTitle>{approve ? "Approve this request?" : "Reject this request?"}</DialogTitle>
            <DialogDescription>
              {summary}.{" "}
              {approve
                ? "It is applied now, as the requester's action approved by you, if the state is still what the preview shows; otherwise it fails and nothing changes."
                : "Nothing is applied; the request is kept as rejected with your reason."}
            </DialogDescription>
          </DialogHeader>
          <Field label="Reason" required error={errors.reason?.message}>
            <Textarea {...form.register("reason")} rows={3} maxLength={500} data-testid="decision-reason" />
          </Field>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant={approve ? "default" : "destructive"}
              disabled={isSubmitting}
              aria-busy={isSubmitting}
              data-testid="confirm-decision"
            >
              {isSubmitting ? "Saving…" : approve ? "Approve and apply" : "Reject"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
