"use client";

import { X } from "lucide-react";
import { type ReactNode, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Facet, type FacetOption } from "./facet";
import { FilterField } from "./filter-field";
import { SearchBox } from "./search-box";
import type { UrlPatch } from "./use-url-params";

/** A free-text search, applied as typing pauses. */
export interface SearchFilter {
  kind: "search";
  param: string;
  value: string | null;
  label: string;
  placeholder: string;
  minLength: number;
  hint?: string;
  className?: string;
}

/** Several values of one column (`status=succeeded,refunded`). */
export interface FacetFilter {
  kind: "facet";
  param: string;
  label: string;
  options: readonly FacetOption[];
  selected: readonly string[];
  mono?: boolean;
  emptyText?: string;
  testId?: string;
}

/** One value, or any. */
export interface SelectFilter {
  kind: "select";
  param: string;
  id: string;
  label: string;
  anyLabel: string;
  options: readonly FacetOption[];
  value: string | null;
  className?: string;
}

/** A typed value (a day, an amount, an id), applied on Enter or when the field loses focus. */
export interface FieldFilter {
  kind: "field";
  param: string;
  id: string;
  label: string;
  /** The value in the URL, in its canonical form. */
  value: string | null;
  /** What the field shows for it, when that differs (`RUB, USD` for `RUB,USD`). */
  display?: string;
  type?: "text" | "date";
  placeholder?: string;
  className?: string;
  inputMode?: "decimal" | "text";
  /** Suggestions offered as the user types. */
  choices?: readonly FacetOption[];
  /** The URL form of what was typed; undefined when it cannot be a value (the server would drop it). */
  normalize?: (raw: string) => string | undefined;
  /** Said under the field when `normalize` refuses what was typed. */
  invalidHint?: string;
}

export type FilterDeclaration = SearchFilter | FacetFilter | SelectFilter | FieldFilter;

export function isFilterActive(filter: FilterDeclaration): boolean {
  return filter.kind === "facet" ? filter.selected.length > 0 : Boolean(filter.value);
}

/**
 * The one toolbar of every list: searches, facets and choices apply at once, typed fields on
 * Enter or blur. Each change starts again from the first page (useUrlParams drops the cursor).
 */
export function ListToolbar({
  label,
  filters,
  onChange,
  children,
}: {
  label: string;
  filters: readonly FilterDeclaration[];
  onChange: (patch: UrlPatch) => void;
  /** Right-aligned tools: the column menu, an export. */
  children?: ReactNode;
}) {
  const fields = filters.filter((f): f is FieldFilter => f.kind === "field");
  const active = filters.some(isFilterActive);
  return (
    <section className="space-y-2" aria-label={label}>
      <div className="flex flex-wrap items-end gap-2 text-sm">
        {filters.map((filter) => {
          switch (filter.kind) {
            case "search":
              return (
                <SearchBox
                  key={filter.param}
                  value={filter.value ?? ""}
                  onChange={(q) => onChange({ [filter.param]: q || null })}
                  label={filter.label}
                  placeholder={filter.placeholder}
                  minLength={filter.minLength}
                  hint={filter.hint}
                  className={filter.className}
                />
              );
            case "facet":
              return (
                <Facet
                  key={filter.param}
                  label={filter.label}
                  options={filter.options}
                  selected={filter.selected}
                  mono={filter.mono}
                  emptyText={filter.emptyText}
                  testId={filter.testId}
                  onChange={(values) => onChange({ [filter.param]: values.join(",") || null })}
                />
              );
            case "select":
              return (
                <FilterField key={filter.param} id={filter.id} label={filter.label}>
                  <NativeSelect
                    id={filter.id}
                    size="sm"
                    className={filter.className ?? "w-36"}
                    value={filter.value ?? ""}
                    onChange={(event) => onChange({ [filter.param]: event.target.value || null })}
                  >
                    <option value="">{filter.anyLabel}</option>
                    {filter.options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </NativeSelect>
                </FilterField>
              );
            default:
              return null;
          }
        })}
        {active ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => onChange(Object.fromEntries(filters.map((f) => [f.param, null])))}
          >
            <X className="size-4" aria-hidden /> Reset
          </Button>
        ) : null}
        <div className="ml-auto flex items-center gap-2">{children}</div>
      </div>
      {fields.length > 0 ? <FieldsForm fields={fields} onChange={onChange} /> : null}
    </section>
  );
}

function FieldsForm({
  fields,
  onChange,
}: {
  fields: readonly FieldFilter[];
  onChange: (patch: UrlPatch) => void;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  // A new URL value (back button, Reset) re-renders the fields with it.
  const key = fields.map((f) => f.value).join("|");
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
      {fields.map((field) => {
        const error = errors[field.param];
        return (
          <FilterField key={field.param} id={field.id} label={field.label} error={error}>
            <Input
              id={field.id}
              name={field.param}
              type={field.type ?? "text"}
              {...(error ? { "aria-invalid": true as const, "aria-describedby": `${field.id}-error` } : {})}
              list={field.choices ? `${field.id}-choices` : undefined}
              inputMode={field.inputMode}
              placeholder={field.placeholder}
              autoComplete="off"
              spellCheck={false}
              defaultValue={field.display ?? field.value ?? ""}
              className={`h-8 ${field.className ?? "w-36"}`}
            />
            {field.choices ? (
              <datalist id={`${field.id}-choices`}>
                {field.choices.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </datalist>
            ) : null}
          </FilterField>
        );
      })}
      <button type="submit" className="sr-only">
        Apply filters
      </button>
    </form>
  );

  function apply(form: HTMLFormElement) {
    const data = new FormData(form);
    const patch: UrlPatch = {};
    const problems: Record<string, string> = {};
    for (const field of fields) {
      const raw = String(data.get(field.param) ?? "").trim();
      const next = raw === "" ? null : field.normalize ? field.normalize(raw) : raw;
      if (next === undefined) problems[field.param] = field.invalidHint ?? "This value cannot be used.";
      else if (next !== field.value) patch[field.param] = next;
    }
    setErrors(problems);
    if (Object.keys(problems).length === 0 && Object.keys(patch).length > 0) onChange(patch);
  }
}
