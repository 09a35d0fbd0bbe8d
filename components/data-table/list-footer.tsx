"use client";

import { ChevronLeft, ChevronRight } from "lucide-react";
import { NativeSelect } from "@/components/ui/native-select";
import type { CappedCount } from "@/db/capped-count";
import { PageLink } from "./page-link";

/** "25 payments", "1 payment", "More than 1,000 payments". */
export function countText(total: CappedCount, noun: { one: string; other: string }, locale: string): string {
  const n = total.count.toLocaleString(locale);
  const one = total.count === 1 && !total.capped;
  return `${total.capped ? `More than ${n}` : n} ${one ? noun.one : noun.other}`;
}

/** The one footer of every paged list: the count, rows per page and the keyset pager. */
export function ListFooter({
  count,
  countTestId,
  sizeSelectId,
  sizes,
  size,
  onSizeChange,
  previousHref,
  nextHref,
}: {
  count: string;
  countTestId: string;
  sizeSelectId: string;
  sizes: readonly number[];
  size: number;
  onSizeChange: (size: number) => void;
  previousHref: string | null;
  nextHref: string | null;
}) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
      <p className="text-muted-foreground" data-testid={countTestId} aria-live="polite">
        {count}
      </p>
      <div className="flex items-center gap-2">
        <label htmlFor={sizeSelectId} className="text-muted-foreground">
          Rows per page
        </label>
        <NativeSelect
          id={sizeSelectId}
          size="sm"
          className="w-20"
          value={String(size)}
          onChange={(event) => onSizeChange(Number(event.target.value))}
        >
          {sizes.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </NativeSelect>
        <PageLink href={previousHref} label="Previous page">
          <ChevronLeft className="size-4" aria-hidden /> Previous
        </PageLink>
        <PageLink href={nextHref} label="Next page">
          Next <ChevronRight className="size-4" aria-hidden />
        </PageLink>
      </div>
    </div>
  );
}
