import { Badge } from "@/components/ui/badge";
import type { PaymentStatus } from "@/db/schema/enums";

const VARIANT: Record<PaymentStatus, "success" | "warning" | "danger" | "info" | "neutral"> = {
  pending: "warning",
  processing: "info",
  succeeded: "success",
  failed: "danger",
  canceled: "neutral",
  partially_refunded: "info",
  refunded: "neutral",
};

export const STATUS_LABEL: Record<PaymentStatus, string> = {
  pending: "Pending",
  processing: "Processing",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
  partially_refunded: "Partially refunded",
  refunded: "Refunded",
};

export function StatusBadge({ status }: { status: PaymentStatus }) {
  return (
    <Badge variant={VARIANT[status]} data-testid="status-badge" data-status={status}>
      {STATUS_LABEL[status]}
    </Badge>
  );
}
