"use client";

import { ListFilter, X } from "lucide-react";
import { type ReactNode, useState } from "react";
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
import { NativeSelect } from "@/components/ui/native-select";
import type { AuditActorChoice } from "@/lib/audit/list";
import { type AuditListQuery, hasAuditFilters, parseAuditListQuery } from "@/lib/validation/audit-list";

type Update = (patch: Record<string, string | null>) => void;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const TEXT_FILTERS = ["from", "to", "actor", "entityId"] as const;
type TextFilter = (typeof TEXT_FILTERS)[number];
const TEXT_FILTER_HINT: Record<TextFilter, string> = {
  from: "Enter a day (YYYY-MM-DD) or an ISO time.",
  to: "Enter a day (YYYY-MM-DD) or an ISO time.",
  actor: "Enter an email, a staff id or a system actor (system:stripe).",
  entityId: "Up to 200 characters of plain text.",
};

/**
 * The audit log's filters. Text fields apply on Enter or when they lose focus, choices at once;
 * each change starts again from the first page (useUrlParams drops the cursor).
 */
export function AuditFilters({
  query,
  actions,
  entityTypes,
  actors,
  showActor,
  onChange,
}: {
  query: AuditListQuery;
  actions: readonly string[];
  entityTypes: readonly string[];
  actors: readonly AuditActorChoice[];
  /** Off for readers who only see their own entries: the actor is always them. */
  showActor: boolean;
  onChange: Update;
}) {
  // A filter from a link may name an action or type the log does not hold (yet): keep it choosable.
  const actionChoices = [...new Set([...actions, ...query.action])].sort();
  const typeChoices = [...new Set([...entityTypes, ...(query.entityType ? [query.entityType] : [])])].sort();
  const textKey = [query.from, query.to, query.actor, query.entityId].join("|");
  const [errors, setErrors] = useState<Partial<Record<TextFilter, string>>>({});
  const invalid = (name: TextFilter) =>
    errors[name] ? { "aria-invalid": true as const, "aria-describedby": `audit-${name}-error` } : {};

  return (
    <section className="space-y-2" aria-label="Filter audit entries">
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <form
          key={textKey}
          className="flex flex-wrap items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            apply(event.currentTarget);
          }}
          onBlur={(event) => {
            if (event.target instanceof HTMLInputElement) apply(event.currentTarget);
          }}
        >
          <TimeField name="from" label="Occurred from" value={query.from} error={errors.from} />
          <TimeField name="to" label="Occurred to" value={query.to} error={errors.to} />
          {showActor ? (
            <SmallField id="audit-actor" label="Actor" error={errors.actor}>
              <Input
                id="audit-actor"
                {...invalid("actor")}
                name="actor"
                list="audit-actor-choices"
                placeholder="Email, staff id or system:…"
                autoComplete="off"
                spellCheck={false}
                defaultValue={query.actor ?? ""}
                className="h-8 w-56"
              />
              <datalist id="audit-actor-choices">
                {actors.map((a) => (
                  <option key={a.value} value={a.value}>
                    {a.label}
                  </option>
                ))}
              </datalist>
            </SmallField>
          ) : null}
          <SmallField id="audit-entityId" label="Entity id" error={errors.entityId}>
            <Input
              id="audit-entityId"
              {...invalid("entityId")}
              name="entityId"
              placeholder="Payment id, customer id…"
              autoComplete="off"
              spellCheck={false}
              defaultValue={query.entityId ?? ""}
              className="h-8 w-64"
            />
          </SmallField>
          <button type="submit" className="sr-only">
            Apply filters
          </button>
        </form>
        <SmallField id="audit-entity-type" label="Entity type">
          <NativeSelect
            id="audit-entity-type"
            size="sm"
            className="w-36"
            value={query.entityType ?? ""}
            onChange={(event) => onChange({ entityType: event.target.value || null })}
          >
            <option value="">Any</option>
            {typeChoices.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </NativeSelect>
        </SmallField>
        <ActionFacet
          options={actionChoices}
          selected={query.action}
          onChange={(values) => onChange({ action: values.join(",") || null })}
        />
        {hasAuditFilters(query) ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() =>
              onChange({ from: null, to: null, actor: null, action: null, entityType: null, entityId: null })
            }
          >
            <X className="size-4" aria-hidden /> Reset
          </Button>
        ) : null}
      </div>
    </section>
  );

  function apply(form: HTMLFormElement) {
    const data = new FormData(form);
    const value = (name: string) => {
      const v = data.get(name);
      return v === null ? undefined : String(v).trim() || null;
    };
    const patch: Record<string, string | null> = {};
    const problems: Partial<Record<TextFilter, string>> = {};
    for (const name of TEXT_FILTERS) {
      const raw = value(name);
      if (raw === undefined) continue; // not on the form (the actor, for support)
      // The server's own parser: what it would drop is refused here, with a reason, and what it
      // keeps goes to the URL in its canonical form.
      const next = raw === null ? null : parseAuditListQuery({ [name]: raw })[name];
      if (raw !== null && next === null) problems[name] = TEXT_FILTER_HINT[name];
      else if (next !== query[name]) patch[name] = next;
    }
    setErrors(problems);
    if (Object.keys(problems).length === 0 && Object.keys(patch).length > 0) onChange(patch);
  }
}

/**
 * A day picker; a bound given as an exact time (from a shared link or the CLI) stays an exact
 * time in a text field instead of being cut to its day.
 */
function TimeField({
  name,
  label,
  value,
  error,
}: {
  name: "from" | "to";
  label: string;
  value: string | null;
  error?: string;
}) {
  const exact = value !== null && !DAY.test(value);
  const id = `audit-${name}`;
  return (
    <SmallField id={id} label={label} error={error}>
      <Input
        id={id}
        {...(error ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {})}
        name={name}
        type={exact ? "text" : "date"}
        defaultValue={value ?? ""}
        placeholder={exact ? "YYYY-MM-DDTHH:MM:SSZ" : undefined}
        className={exact ? "h-8 w-56 font-mono text-xs" : "h-8 w-36"}
      />
    </SmallField>
  );
}

function ActionFacet({
  options,
  selected,
  onChange,
}: {
  options: readonly string[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
}) {
  const chosen = new Set(selected);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button
          variant="outline"
          size="sm"
          className="h-8 gap-1.5 border-dashed"
          data-testid="audit-action-filter"
        >
          <ListFilter className="size-4" aria-hidden />
          Action
          {chosen.size > 0 ? (
            <span className="rounded bg-secondary px-1.5 font-mono text-xs font-normal text-secondary-foreground">
              {chosen.size === 1 ? selected[0] : `${chosen.size} selected`}
            </span>
          ) : null}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="max-h-80 w-64 overflow-y-auto">
        <DropdownMenuLabel>Action</DropdownMenuLabel>
        <DropdownMenuSeparator />
        {options.length === 0 ? (
          <p className="px-2 py-1.5 text-sm text-muted-foreground">No actions recorded yet.</p>
        ) : null}
        {options.map((option) => (
          <DropdownMenuCheckboxItem
            key={option}
            className="font-mono text-xs"
            checked={chosen.has(option)}
            onSelect={(event) => event.preventDefault()}
            onCheckedChange={(checked) => {
              const next = new Set(chosen);
              if (checked) next.add(option);
              else next.delete(option);
              onChange(options.filter((v) => next.has(v)));
            }}
          >
            {option}
          </DropdownMenuCheckboxItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

function SmallField({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  children: ReactNode;
}) {
  return (
    <div className="relative flex flex-col gap-1">
      <label htmlFor={id} className="text-xs text-muted-foreground">
        {label}
      </label>
      {children}
      {error ? (
        // Under the field without taking room, so the toolbar does not jump.
        <p
          id={`${id}-error`}
          role="alert"
          className="absolute top-full left-0 z-10 mt-1 w-max max-w-72 rounded-md border bg-popover px-2 py-1 text-xs text-destructive shadow-sm"
        >
          {error}
        </p>
      ) : null}
    </div>
  );
}
