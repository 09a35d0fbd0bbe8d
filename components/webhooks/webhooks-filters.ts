import type { FilterDeclaration } from "@/components/data-table/list-toolbar";
import type { WebhookListQuery } from "@/lib/validation/webhook-list";
import {
  KNOWN_WEBHOOK_TYPES,
  webhookListOutcomes,
  webhookListProviders,
} from "@/lib/validation/webhook-list-options";
import { OUTCOME_LABEL, WEBHOOK_PROVIDER_LABEL } from "./outcome-badge";

/** The event log's filters: provider, type, outcome and the received range (UTC days). */
export function webhookFilters(query: WebhookListQuery): FilterDeclaration[] {
  const providers = query.provider.length > 0 ? query.provider : webhookListProviders;
  // The types the chosen providers send, plus any other type the URL asks for (so it can be unticked).
  const known = providers.flatMap((p) => KNOWN_WEBHOOK_TYPES[p]);
  const types = [...new Set([...known, ...query.type])];
  return [
    {
      kind: "facet",
      param: "provider",
      label: "Provider",
      options: webhookListProviders.map((p) => ({ value: p, label: WEBHOOK_PROVIDER_LABEL[p] })),
      selected: query.provider,
    },
    {
      kind: "facet",
      param: "type",
      label: "Type",
      options: types.map((t) => ({ value: t, label: t })),
      selected: query.type,
      mono: true,
    },
    {
      kind: "facet",
      param: "outcome",
      label: "Outcome",
      options: webhookListOutcomes.map((o) => ({ value: o, label: OUTCOME_LABEL[o] })),
      selected: query.outcome,
    },
    { kind: "field", param: "from", id: "wh-from", label: "Received from", type: "date", value: query.from },
    { kind: "field", param: "to", id: "wh-to", label: "to", type: "date", value: query.to },
  ];
}
