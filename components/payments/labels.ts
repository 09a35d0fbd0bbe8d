import type { PaymentKind, PaymentMethod, PaymentProvider } from "@/db/schema/enums";

export const KIND_LABEL: Record<PaymentKind, string> = {
  manual: "Manual",
  trial: "Trial",
  provider: "Provider",
};
export const PROVIDER_LABEL: Record<PaymentProvider, string> = {
  manual: "Manual",
  stripe: "Stripe",
  yookassa: "YooKassa",
};
export const METHOD_LABEL: Record<PaymentMethod, string> = {
  bank_transfer: "Bank transfer",
  cash: "Cash",
  card: "Card",
  other: "Other",
};
