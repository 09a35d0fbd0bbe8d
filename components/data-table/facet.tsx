"use client";

import { ListFilter } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuCheckboxItem,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { cn } from "@/lib/utils";

export interface FacetOption {
  value: string;
  label: string;
}

/** A multi-choice filter: a dashed button naming what is chosen, a menu of checkboxes. */
export function Facet({
  label,
  options,
  selected,
  onChange,
  mono = false,
  emptyText,
  testId,
}: {
  label: string;
  options: readonly FacetOption[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
  /** Codes (event types, audit actions) read better in a fixed-width face. */
  mono?: boolean;
  /** Said in the menu when there is nothing to choose yet. */
  emptyText?: string;
  testId?: string;
}) {
  const chosen = new Set(selected);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm" className="h-8 gap-1.5 border-dashed" data-testid={testId}>
          <ListFilter className="size-4" aria-hidden />
          {label}
          {chosen.size > 0 ? (
            <span
              className={cn(
                "max-w-48 truncate rounded bg-secondary px-1.5 text-xs font-normal text-secondary-foreground",
                mono && "font-mono",
              )}
            >
              {chosen.size === 1
                ? (options.find((o) => chosen.has(o.value))?.label ?? selected[0])
                : `${chosen.size} selected`}
            </span>
          ) : null}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="max-h-80 min-w-52 overflow-y-auto">
        <DropdownMenuLabel>{label}</DropdownMenuLabel>
        <DropdownMenuSeparator />
        {options.length === 0 && emptyText ? (
          <p className="px-2 py-1.5 text-sm text-muted-foreground">{emptyText}</p>
        ) : null}
        {options.map((option) => (
          <DropdownMenuCheckboxItem
            key={option.value}
            checked={chosen.has(option.value)}
            className={mono ? "font-mono text-xs" : undefined}
            // Stay open: several values are usually ticked in a row.
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
