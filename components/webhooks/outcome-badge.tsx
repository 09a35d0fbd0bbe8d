import { Badge } from "@/components/ui/badge";
import type { WebhookOutcome } from "@/db/schema/enums";
import type { WebhookListOutcome, WebhookListProvider } from "@/lib/validation/webhook-list";

const VARIANT: Record<WebhookListOutcome, "success" | "warning" | "danger" | "neutral"> = {
  processed: "success",
  ignored: "neutral",
  failed: "danger",
  pending: "warning",
};

export const OUTCOME_LABEL: Record<WebhookListOutcome, string> = {
  processed: "Processed",
  ignored: "Ignored",
  failed: "Failed",
  pending: "Not applied",
};

export const WEBHOOK_PROVIDER_LABEL: Record<WebhookListProvider, string> = {
  stripe: "Stripe",
  yookassa: "YooKassa",
};

/** An event's outcome; null (stored, never applied) shows as "Not applied". */
export function OutcomeBadge({ outcome }: { outcome: WebhookOutcome | null }) {
  const key: WebhookListOutcome = outcome ?? "pending";
  return (
    <Badge variant={VARIANT[key]} data-testid="outcome-badge" data-outcome={key}>
      {OUTCOME_LABEL[key]}
    </Badge>
  );
}
