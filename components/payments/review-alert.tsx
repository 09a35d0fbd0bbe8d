"use client";

import { TriangleAlert } from "lucide-react";
import { reviewDecisionAction } from "@/app/(admin)/payments/actions";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { ReasonDialog } from "@/components/ui/reason-dialog";
import { toast } from "@/components/ui/toast";

/**
 * A provider payment that succeeded in another currency than its plan's, or for less than its
 * price: recorded, but it grants nothing until an admin grants access anyway or dismisses it.
 */
export function ReviewAlert({
  paymentId,
  reviewReason,
  canResolve,
}: {
  paymentId: string;
  reviewReason: string;
  /** The session may decide (permission `review.resolve`); the action checks again. */
  canResolve: boolean;
}) {
  const fmt = useFormat();
  return (
    <section
      aria-labelledby="review-alert-title"
      className="flex flex-wrap items-start justify-between gap-3 rounded-xl border border-warning-soft-foreground/30 bg-warning-soft px-4 py-3 text-sm text-warning-soft-foreground"
      data-testid="review-alert"
    >
      <div className="flex min-w-0 items-start gap-2">
        <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
        <div>
          <h2 id="review-alert-title" className="font-semibold">
            Held for review
          </h2>
          <p data-testid="review-reason">{reviewReason}</p>
          <p>
            {canResolve
              ? "It grants no access until you grant access anyway or dismiss it."
              : "It grants no access until an admin grants access anyway or dismisses it."}
          </p>
        </div>
      </div>
      {canResolve ? (
        <div className="flex flex-wrap gap-2">
          <ReasonDialog
            trigger={
              <Button size="sm" data-testid="review-grant">
                Grant access
              </Button>
            }
            title="Grant access anyway?"
            description={
              <p>
                The customer gets the plan's period as if the payment had matched its plan. The payment leaves
                the review list; your reason goes into the audit log.
              </p>
            }
            confirmLabel="Grant access"
            pendingLabel="Granting…"
            submit={(reason) => reviewDecisionAction({ paymentId, decision: "grant", reason })}
            onDone={(data) =>
              toast.success(
                data.validUntil ? `Access granted until ${fmt.date(data.validUntil)}` : "Access granted",
              )
            }
          />
          <ReasonDialog
            trigger={
              <Button size="sm" variant="outline" data-testid="review-dismiss">
                Dismiss
              </Button>
            }
            title="Dismiss the review?"
            description={
              <p>
                The payment stays recorded as it is, without access. It leaves the review list; your reason
                goes into the audit log.
              </p>
            }
            confirmLabel="Dismiss"
            pendingLabel="Dismissing…"
            destructive
            submit={(reason) => reviewDecisionAction({ paymentId, decision: "dismiss", reason })}
            onDone={() => toast.success("Review dismissed: no access granted")}
          />
        </div>
      ) : null}
    </section>
  );
}
