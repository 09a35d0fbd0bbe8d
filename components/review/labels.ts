import type { ReviewItem, ReviewKind } from "@/lib/review/list";

/** The order of the groups on /review, and how each is named, anchored and emptied. */
export const REVIEW_GROUPS: readonly {
  kind: ReviewKind;
  /** Anchor of the group's section (`/review#open-disputes`). */
  anchor: string;
  title: string;
  description: string;
  empty: string;
}[] = [
  {
    kind: "stuck_payment",
    anchor: "stuck-payments",
    title: "Stuck at the provider",
    description:
      "Stripe and YooKassa payments still pending or processing an hour after their last change: the reconciler could not settle them. Sync asks the provider again.",
    empty: "Nothing stuck",
  },
  {
    kind: "held_for_review",
    anchor: "held-for-review",
    title: "Held for review",
    description:
      "Payments the provider took in another currency or for less than the plan's price. They granted nothing; an admin grants access anyway or dismisses them.",
    empty: "Nothing held",
  },
  {
    kind: "open_dispute",
    anchor: "open-disputes",
    title: "Open disputes",
    description:
      "Inquiries and chargebacks still open. Respond with evidence in the provider's dashboard before its deadline; Paydesk follows the outcome.",
    empty: "No open disputes",
  },
  {
    kind: "pending_refund",
    anchor: "pending-refunds",
    title: "Refunds not confirmed",
    description:
      "Refunds the provider has not confirmed a day after they were asked for. They are not counted as refunded until it does; Sync asks again.",
    empty: "No refunds waiting",
  },
];

export function providerName(provider: string): string {
  return provider === "stripe" ? "Stripe" : provider === "yookassa" ? "YooKassa" : provider;
}

/** The words on an item's action link. */
export function actionLabel(item: Pick<ReviewItem, "action" | "provider">): string {
  switch (item.action) {
    case "sync":
      return "Sync";
    case "decide":
      return "Decide";
    case "respond_at_provider":
      return `Respond at ${providerName(item.provider)}`;
  }
}
