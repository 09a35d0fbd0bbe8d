import { Badge } from "@/components/ui/badge";

const VARIANT = { succeeded: "success", pending: "warning", failed: "danger" } as const;
const LABEL: Record<string, string> = { succeeded: "Delivered", pending: "Pending", failed: "Failed" };

export function DeliveryStatusBadge({ status }: { status: string }) {
  return (
    <Badge variant={VARIANT[status as keyof typeof VARIANT] ?? "neutral"} data-testid="delivery-status">
      {LABEL[status] ?? status}
    </Badge>
  );
}

export function EndpointStatusBadge({ status }: { status: string }) {
  return (
    <Badge variant={status === "enabled" ? "success" : "neutral"} data-testid="endpoint-status">
      {status === "enabled" ? "Enabled" : "Disabled"}
    </Badge>
  );
}
