import type { Metadata } from "next";
import { ReviewGroups, ReviewSummary } from "@/components/review/review-groups";
import { BreakersPanel, ReconcilerPanel } from "@/components/review/system-status";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { listReview } from "@/lib/review/list";
import { ParkedMessages } from "./parked-messages";
import { RefundSuggestions } from "./refund-suggestions";

export const metadata: Metadata = { title: "Review" };
export const dynamic = "force-dynamic";

export default async function ReviewPage() {
  const actor = await requirePageActor("review.view");
  // One clock for the list and for "2 hours ago", so they agree.
  const now = new Date();
  // Parked messages may quote personal data: only those allowed to read inbound messages see them.
  const canReadInbound = roleCan(actor.role, "inbound.view");
  const review = await listReview(await appDb(), now, { includeParked: canReadInbound });
  const viewer = {
    canSync: roleCan(actor.role, "payment.sync"),
    canDecide: roleCan(actor.role, "review.resolve"),
  };

  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <h1 className="text-xl font-semibold tracking-tight">What needs a person</h1>
        <p className="max-w-3xl text-sm text-muted-foreground">
          What Paydesk could not settle on its own, oldest first in each group. Each item opens its payment,
          where the action is.
        </p>
      </div>
      <ReviewSummary
        items={review.items}
        more={[
          {
            anchor: "refund-suggestions",
            kind: "refund_suggestion",
            title: "Suggested refunds",
            count: review.suggestions.length,
          },
          ...(review.parked
            ? [
                {
                  anchor: "parked-messages",
                  kind: "parked_message",
                  title: "Parked messages",
                  count: review.parked.length,
                },
              ]
            : []),
        ]}
      />
      <ReviewGroups items={review.items} now={now} viewer={viewer} />
      <RefundSuggestions
        suggestions={review.suggestions}
        now={now}
        canResolve={viewer.canDecide}
        canRefund={roleCan(actor.role, "payment.refund")}
      />
      {review.parked ? (
        <ParkedMessages messages={review.parked} now={now} canRetry={viewer.canDecide} />
      ) : null}
      <div className="grid gap-4 xl:grid-cols-2">
        <BreakersPanel breakers={review.breakers} now={now} />
        <ReconcilerPanel reconciler={review.reconciler} now={now} />
      </div>
    </div>
  );
}
