import { Badge } from "@/components/ui/badge";
import type { SubscriptionStatus } from "@/db/schema/enums";

const VARIANT: Record<SubscriptionStatus, "success" | "info" | "warning" | "neutral" | "danger"> = {
  active: "success",
  trialing: "info",
  past_due: "warning",
  canceled: "neutral",
  expired: "danger",
};

export const SUBSCRIPTION_STATUS_LABEL: Record<SubscriptionStatus, string> = {
  active: "Active",
  trialing: "Trialing",
  past_due: "Past due",
  canceled: "Canceled",
  expired: "Expired",
};

export function SubscriptionStatusBadge({ status }: { status: SubscriptionStatus }) {
  return (
    <Badge variant={VARIANT[status]} data-testid="subscription-status" data-status={status}>
      {SUBSCRIPTION_STATUS_LABEL[status]}
    </Badge>
  );
}
