"use client";

import { ListFilter, X } from "lucide-react";
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuCheckboxItem,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import {
  hasWebhookFilters,
  KNOWN_WEBHOOK_TYPES,
  type WebhookListQuery,
  webhookListOutcomes,
  webhookListProviders,
} from "@/lib/validation/webhook-list";
import { OUTCOME_LABEL, WEBHOOK_PROVIDER_LABEL } from "./outcome-badge";

type Update = (patch: Record<string, string | null>) => void;

/** The event log's toolbar: provider, type, outcome and the received range, all in the URL. */
export function WebhooksFilters({
  query,
  onChange,
  children,
}: {
  query: WebhookListQuery;
  onChange: Update;
  children?: ReactNode;
}) {
  const active = hasWebhookFilters(query);
  const providers = query.provider.length > 0 ? query.provider : webhookListProviders;
  // The types the chosen providers send, plus any other type the URL asks for (so it can be unticked).
  const known = providers.flatMap((p) => KNOWN_WEBHOOK_TYPES[p]);
  const types = [...new Set([...known, ...query.type])];
  return (
    <section className="space-y-2" aria-label="Filter webhook events">
      <div className="flex flex-wrap items-center gap-2">
        <Facet
          label="Provider"
          options={webhookListProviders.map((p) => ({ value: p, label: WEBHOOK_PROVIDER_LABEL[p] }))}
          selected={query.provider}
          onChange={(values) => onChange({ provider: values.join(",") || null })}
        />
        <Facet
          label="Type"
          options={types.map((t) => ({ value: t, label: t, mono: true }))}
          selected={query.type}
          onChange={(values) => onChange({ type: values.join(",") || null })}
        />
        <Facet
          label="Outcome"
          options={webhookListOutcomes.map((o) => ({ value: o, label: OUTCOME_LABEL[o] }))}
          selected={query.outcome}
          onChange={(values) => onChange({ outcome: values.join(",") || null })}
        />
        {active ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => onChange({ provider: null, type: null, outcome: null, from: null, to: null })}
          >
            <X className="size-4" aria-hidden /> Reset
          </Button>
        ) : null}
        <div className="ml-auto flex items-center gap-2">{children}</div>
      </div>
      <ReceivedRange query={query} onChange={onChange} />
    </section>
  );
}

function Facet({
  label,
  options,
  selected,
  onChange,
}: {
  label: string;
  options: { value: string; label: string; mono?: boolean }[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
}) {
  const chosen = new Set(selected);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm" className="h-8 gap-1.5 border-dashed">
          <ListFilter className="size-4" aria-hidden />
          {label}
          {chosen.size > 0 ? (
            <span className="max-w-48 truncate rounded bg-secondary px-1.5 text-xs font-normal text-secondary-foreground">
              {chosen.size === 1
                ? (options.find((o) => chosen.has(o.value))?.label ?? selected[0])
                : `${chosen.size} selected`}
            </span>
          ) : null}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="min-w-52">
        <DropdownMenuLabel>{label}</DropdownMenuLabel>
        <DropdownMenuSeparator />
        {options.map((option) => (
          <DropdownMenuCheckboxItem
            key={option.value}
            checked={chosen.has(option.value)}
            className={option.mono ? "font-mono text-xs" : undefined}
            onSelect={(event) => event.preventDefault()}
            onCheckedChange={(checked) => {
              const next = new Set(chosen);
              if (checked) next.add(option.value);
              else next.delete(option.value);
              onChange(options.map((o) => o.value).filter((v) => next.has(v)));
            }}
          >
            {option.label}
          </DropdownMenuCheckboxItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/** Received from / to (UTC days): applied on Enter or when a field loses focus. */
function ReceivedRange({ query, onChange }: { query: WebhookListQuery; onChange: Update }) {
  return (
    <form
      key={`${query.from}|${query.to}`}
      className="flex flex-wrap items-end gap-2 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        apply(event.currentTarget);
      }}
      onBlur={(event) => {
        if (event.target instanceof HTMLInputElement) apply(event.currentTarget);
      }}
    >
      <div className="flex flex-col gap-1">
        <label htmlFor="wh-from" className="text-xs text-muted-foreground">
          Received from
        </label>
        <Input id="wh-from" name="from" type="date" defaultValue={query.from ?? ""} className="h-8 w-36" />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="wh-to" className="text-xs text-muted-foreground">
          to
        </label>
        <Input id="wh-to" name="to" type="date" defaultValue={query.to ?? ""} className="h-8 w-36" />
      </div>
      <button type="submit" className="sr-only">
        Apply filters
      </button>
    </form>
  );

  function apply(form: HTMLFormElement) {
    const data = new FormData(form);
    const value = (name: string) => String(data.get(name) ?? "").trim() || null;
    const from = value("from");
    const to = value("to");
    if (from !== query.from || to !== query.to) onChange({ from, to });
  }
}
