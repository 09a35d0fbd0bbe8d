import type { FilterDeclaration } from "@/components/data-table/list-toolbar";
import { paymentKinds, paymentProviders, paymentStatuses } from "@/db/schema/enum-values";
import type { PaymentListQuery } from "@/lib/validation/payment-list";
import { type PaymentListFlag, paymentListFlags } from "@/lib/validation/payment-list-options";
import { KIND_LABEL, PROVIDER_LABEL } from "./labels";
import { STATUS_LABEL } from "./status-badge";

/** The `flag` facet's options, also the badges beside a payment's status (payments-table.tsx). */
export const FLAG_LABEL: Record<PaymentListFlag, string> = {
  disputed: "Disputed",
  refund_pending: "Refund pending",
  held: "Held",
};

/** "RUB, usd eur" is the URL's `RUB,USD,EUR`; the server drops what is not a currency code. */
function currencyList(raw: string): string {
  return raw
    .split(/[\s,]+/)
    .map((c) => c.toUpperCase())
    .filter(Boolean)
    .join(",");
}

/** The payments list's filters; `search` is off where the list is one customer's already. */
export function paymentFilters(
  query: PaymentListQuery,
  { search }: { search: boolean },
): FilterDeclaration[] {
  return [
    ...(search
      ? [
          {
            kind: "search",
            param: "q",
            value: query.q,
            label: "Search customer email or name",
            placeholder: "Customer email or name…",
            minLength: 2,
          } satisfies FilterDeclaration,
        ]
      : []),
    {
      kind: "facet",
      param: "status",
      label: "Status",
      options: paymentStatuses.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
      selected: query.status,
    },
    {
      kind: "facet",
      param: "kind",
      label: "Kind",
      options: paymentKinds.map((k) => ({ value: k, label: KIND_LABEL[k] })),
      selected: query.kind,
    },
    {
      kind: "facet",
      param: "provider",
      label: "Provider",
      options: paymentProviders.map((p) => ({ value: p, label: PROVIDER_LABEL[p] })),
      selected: query.provider,
    },
    {
      kind: "facet",
      param: "flag",
      label: "Flag",
      options: paymentListFlags.map((f) => ({ value: f, label: FLAG_LABEL[f] })),
      selected: query.flag,
    },
    {
      kind: "field",
      param: "currency",
      id: "f-currency",
      label: "Currency",
      value: query.currency.join(",") || null,
      display: query.currency.join(", "),
      placeholder: "RUB, USD",
      className: "w-28 uppercase",
      normalize: (raw) => currencyList(raw) || undefined,
      invalidHint: "Enter currency codes such as RUB, USD.",
    },
    { kind: "field", param: "from", id: "f-from", label: "Created from", type: "date", value: query.from },
    { kind: "field", param: "to", id: "f-to", label: "to", type: "date", value: query.to },
    {
      kind: "field",
      param: "min",
      id: "f-min",
      label: "Amount from",
      value: query.min,
      inputMode: "decimal",
      placeholder: "0.00",
      className: "w-24",
    },
    {
      kind: "field",
      param: "max",
      id: "f-max",
      label: "to",
      value: query.max,
      inputMode: "decimal",
      placeholder: "any",
      className: "w-24",
    },
  ];
}
