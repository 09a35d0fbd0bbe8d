"use client";

import type { ColumnDef } from "@tanstack/react-table";
import type { LucideIcon } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import type { CappedCount } from "@/db/capped-count";
import { ColumnVisibilityMenu } from "./column-visibility";
import { DataTable } from "./data-table";
import { countText, ListFooter } from "./list-footer";
import { type FilterDeclaration, isFilterActive, ListToolbar } from "./list-toolbar";
import { useUrlParams } from "./use-url-params";

/** A column of a list screen: its header is also its name in the column menu. */
// biome-ignore lint/suspicious/noExplicitAny: column value types differ per column
export type ListColumn<T> = ColumnDef<T, any> & { id: string; header: string };

export interface ListSort {
  sort: string;
  dir: "asc" | "desc";
  defaultSort: string;
}

export interface ListPage {
  total: CappedCount;
  noun: { one: string; other: string };
  /** Replaces the plain count ("3 customers match"); an empty string says nothing. */
  countText?: string;
  countTestId: string;
  sizeSelectId: string;
  sizes: readonly number[];
  size: number;
  defaultSize: number;
  nextCursor: string | null;
  prevCursor: string | null;
}

export interface ListEmpty {
  icon: LucideIcon;
  title: string;
  description: string;
  filteredTitle: string;
  filteredDescription?: string;
  clearLabel?: string;
}

/**
 * Every paged list in Paydesk is a declaration (columns, filters, sort, page) rendered here by
 * one toolbar, one table and one footer; the state they show and change is the URL's.
 */
export function ListScreen<T>({
  label,
  columns,
  rows,
  getRowId,
  rowHref,
  sort,
  hidden,
  toolbar,
  narrowed = false,
  page,
  empty,
  emptyOverride,
  renderDetail,
}: {
  /** The table's accessible name. */
  label: string;
  columns: ListColumn<T>[];
  rows: T[];
  getRowId: (row: T) => string;
  rowHref?: (row: T) => string;
  /** The server's sort; absent for a list with one fixed order. */
  sort?: ListSort;
  /** The ids of hidden columns (from the URL); given, the toolbar has a column menu. */
  hidden?: readonly string[];
  toolbar: { label: string; filters: readonly FilterDeclaration[]; tools?: ReactNode };
  /** Narrowed by something outside the toolbar (a link to one payment's events). */
  narrowed?: boolean;
  page: ListPage;
  empty: ListEmpty;
  /** Shown instead of the empty state when the list cannot be asked yet (a search too short). */
  emptyOverride?: ReactNode;
  renderDetail?: (row: T) => ReactNode;
}) {
  const fmt = useFormat();
  const url = useUrlParams();
  const hiddenSet = new Set(hidden ?? []);
  const visibility = Object.fromEntries(columns.map((c) => [c.id, !hiddenSet.has(c.id)]));
  const filtered = narrowed || toolbar.filters.some(isFilterActive);

  return (
    <div className="space-y-3">
      <ListToolbar label={toolbar.label} filters={toolbar.filters} onChange={url.update}>
        {toolbar.tools}
        {hidden ? (
          <ColumnVisibilityMenu
            columns={columns.map((c) => ({ id: c.id, label: c.header }))}
            hidden={hiddenSet}
            onChange={(next) => url.setHidden(next.filter((id) => columns.some((c) => c.id === id)))}
          />
        ) : null}
      </ListToolbar>
      <DataTable
        label={label}
        columns={columns}
        data={rows}
        getRowId={getRowId}
        sorting={sort ? [{ id: sort.sort, desc: sort.dir === "desc" }] : []}
        onSortingChange={(id) => (sort ? url.toggleSort(id, sort) : undefined)}
        columnVisibility={visibility}
        rowHref={rowHref}
        pending={url.pending}
        renderDetail={renderDetail}
        empty={
          emptyOverride ?? (
            <EmptyState
              icon={empty.icon}
              title={filtered ? empty.filteredTitle : empty.title}
              description={
                filtered
                  ? (empty.filteredDescription ?? "Change or clear the filters to see more.")
                  : empty.description
              }
              action={
                filtered ? (
                  <Button asChild variant="outline" size="sm">
                    <Link href={url.pathname}>{empty.clearLabel ?? "Clear filters"}</Link>
                  </Button>
                ) : undefined
              }
            />
          )
        }
      />
      <ListFooter
        count={page.countText ?? countText(page.total, page.noun, fmt.prefs.locale)}
        countTestId={page.countTestId}
        sizeSelectId={page.sizeSelectId}
        sizes={page.sizes}
        size={page.size}
        onSizeChange={(size) => url.setSize(size, page.defaultSize)}
        previousHref={url.pageHref(page.prevCursor, "back")}
        nextHref={url.pageHref(page.nextCursor, "forward")}
      />
    </div>
  );
}
