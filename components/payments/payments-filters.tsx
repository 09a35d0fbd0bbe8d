"use client";

import { ListFilter, Search, X } from "lucide-react";
import { type ReactNode, useEffect, useRef, useState } from "react";
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
import { paymentKinds, paymentProviders, paymentStatuses } from "@/db/schema/enums";
import {
  hasToolbarFilters,
  type PaymentListFlag,
  type PaymentListQuery,
  paymentListFlags,
} from "@/lib/validation/payment-list";
import { KIND_LABEL, PROVIDER_LABEL } from "./labels";
import { STATUS_LABEL } from "./status-badge";

/** The `flag` facet's options, also the badges beside a payment's status (payments-table.tsx). */
export const FLAG_LABEL: Record<PaymentListFlag, string> = {
  disputed: "Disputed",
  refund_pending: "Refund pending",
  held: "Held",
};

type Update = (patch: Record<string, string | null>) => void;

export function PaymentsFilters({
  query,
  onChange,
  search = true,
  children,
}: {
  query: PaymentListQuery;
  onChange: Update;
  /** The customer email/name search; off where the list is one customer's already. */
  search?: boolean;
  children?: ReactNode;
}) {
  const active = hasToolbarFilters(query);
  return (
    <section className="space-y-2" aria-label="Filter payments">
      <div className="flex flex-wrap items-center gap-2">
        {search ? <SearchBox value={query.q ?? ""} onChange={(q) => onChange({ q: q || null })} /> : null}
        <Facet
          label="Status"
          options={paymentStatuses.map((s) => ({ value: s, label: STATUS_LABEL[s] }))}
          selected={query.status}
          onChange={(values) => onChange({ status: values.join(",") || null })}
        />
        <Facet
          label="Kind"
          options={paymentKinds.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
          selected={query.kind}
          onChange={(values) => onChange({ kind: values.join(",") || null })}
        />
        <Facet
          label="Provider"
          options={paymentProviders.map((p) => ({ value: p, label: PROVIDER_LABEL[p] }))}
          selected={query.provider}
          onChange={(values) => onChange({ provider: values.join(",") || null })}
        />
        <Facet
          label="Flag"
          options={paymentListFlags.map((f) => ({ value: f, label: FLAG_LABEL[f] }))}
          selected={query.flag}
          onChange={(values) => onChange({ flag: values.join(",") || null })}
        />
        {active ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() =>
              onChange({
                q: null,
                status: null,
                kind: null,
                provider: null,
                flag: null,
                currency: null,
                from: null,
                to: null,
                min: null,
                max: null,
              })
            }
          >
            <X className="size-4" aria-hidden /> Reset
          </Button>
        ) : null}
        <div className="ml-auto flex items-center gap-2">{children}</div>
      </div>
      <RangeFilters query={query} onChange={onChange} />
    </section>
  );
}

function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  const last = useRef(value);
  useEffect(() => {
    setText(value);
    last.current = value;
  }, [value]);
  useEffect(() => {
    const trimmed = text.trim();
    if (trimmed === last.current || (trimmed.length === 1 && last.current === "")) return;
    const timer = setTimeout(() => {
      last.current = trimmed;
      onChange(trimmed.length >= 2 ? trimmed : "");
    }, 350);
    return () => clearTimeout(timer);
  }, [text, onChange]);
  return (
    <div className="relative w-72">
      <Search
        className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
        aria-hidden
      />
      <Input
        type="search"
        aria-label="Search customer email or name"
        placeholder="Customer email or name…"
        className="h-8 pl-8"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
    </div>
  );
}

function Facet({
  label,
  options,
  selected,
  onChange,
}: {
  label: string;
  options: { value: string; label: string }[];
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
            <span className="rounded bg-secondary px-1.5 text-xs font-normal text-secondary-foreground">
              {chosen.size === 1
                ? options.find((o) => chosen.has(o.value))?.label
                : `${chosen.size} selected`}
            </span>
          ) : null}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="w-52">
        <DropdownMenuLabel>{label}</DropdownMenuLabel>
        <DropdownMenuSeparator />
        {options.map((option) => (
          <DropdownMenuCheckboxItem
            key={option.value}
            checked={chosen.has(option.value)}
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

/** Currency, created range and amount range: applied on Enter or when a field loses focus. */
function RangeFilters({ query, onChange }: { query: PaymentListQuery; onChange: Update }) {
  const key = [query.currency.join(","), query.from, query.to, query.min, query.max].join("|");
  return (
    <form
      key={key}
      className="flex flex-wrap items-end gap-2 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        apply(event.currentTarget);
      }}
      onBlur={(event) => {
        if (event.target instanceof HTMLInputElement) apply(event.currentTarget);
      }}
    >
      <SmallField id="f-currency" label="Currency">
        <Input
          id="f-currency"
          name="currency"
          placeholder="RUB, USD"
          defaultValue={query.currency.join(", ")}
          className="h-8 w-28 uppercase"
        />
      </SmallField>
      <SmallField id="f-from" label="Created from">
        <Input id="f-from" name="from" type="date" defaultValue={query.from ?? ""} className="h-8 w-36" />
      </SmallField>
      <SmallField id="f-to" label="to">
        <Input id="f-to" name="to" type="date" defaultValue={query.to ?? ""} className="h-8 w-36" />
      </SmallField>
      <SmallField id="f-min" label="Amount from">
        <Input
          id="f-min"
          name="min"
          inputMode="decimal"
          placeholder="0.00"
          defaultValue={query.min ?? ""}
          className="h-8 w-24"
        />
      </SmallField>
      <SmallField id="f-max" label="to">
        <Input
          id="f-max"
          name="max"
          inputMode="decimal"
          placeholder="any"
          defaultValue={query.max ?? ""}
          className="h-8 w-24"
        />
      </SmallField>
      <button type="submit" className="sr-only">
        Apply filters
      </button>
    </form>
  );

  function apply(form: HTMLFormElement) {
    const data = new FormData(form);
    const value = (name: string) => String(data.get(name) ?? "").trim() || null;
    const currency = (value("currency") ?? "")
      .split(/[\s,]+/)
      .map((c) => c.toUpperCase())
      .filter(Boolean)
      .join(",");
    const patch = {
      currency: currency || null,
      from: value("from"),
      to: value("to"),
      min: value("min"),
      max: value("max"),
    };
    const current = {
      currency: query.currency.join(",") || null,
      from: query.from,
      to: query.to,
      min: query.min,
      max: query.max,
    };
    if (JSON.stringify(patch) !== JSON.stringify(current)) onChange(patch);
  }
}

function SmallField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs text-muted-foreground">
        {label}
      </label>
      {children}
    </div>
  );
}
